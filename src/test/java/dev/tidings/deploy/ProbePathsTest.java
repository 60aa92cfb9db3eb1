package dev.tidings.deploy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.quarkus.test.junit.QuarkusTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The probes of each overlay's Deployment, asked of the running application: each answers 200 and UP. */
@QuarkusTest
class ProbePathsTest {

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyProbePathOfTheDeploymentAnswersUpOnTheApplication(String name) {
        Container c = Overlay.render(name).container();
        Stream.of(c.getStartupProbe(), c.getReadinessProbe(), c.getLivenessProbe())
                .map(Probe::getHttpGet)
                .forEach(get -> given().when().get(get.getPath())
                        .then().statusCode(200).body("status", equalTo("UP")));
    }
}
