package dev.tidings.identity;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.build.Jwt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** JWT mode: /notif/stats tells who is connected, so it is for services and operators only. */
@QuarkusTest
@TestProfile(JwtModeTest.Profile.class)
class StatsAccessTest {

    private static String token(String subject, String... groups) {
        return Jwt.issuer("https://tidings.test").subject(subject).groups(Set.of(groups)).sign();
    }

    @Test
    void statsWithoutATokenIs401() {
        given().get("/notif/stats").then().statusCode(401).body("error", equalTo("unauthenticated"));
        given().auth().oauth2("not.a.token").get("/notif/stats").then().statusCode(401)
                .body("error", equalTo("unauthenticated"));
    }

    @Test
    void statsWithoutTheNotifierOrTheAdminGroupIs403() {
        given().auth().oauth2(token("alice")).get("/notif/stats").then().statusCode(403)
                .body("error", equalTo("forbidden")).body("message", equalTo("this needs the group notifier or admin"));
        given().auth().oauth2(token("alice", "staff")).get("/notif/stats").then().statusCode(403);
        given().get("/notif/stats?access_token=" + token("alice")).then().statusCode(403);
    }

    @Test
    void theNotifierGroupAndTheAdminGroupMayReadStats() {
        given().auth().oauth2(token("service", "notifier")).get("/notif/stats").then().statusCode(200)
                .body("clients", notNullValue());
        given().auth().oauth2(token("operator", "admin")).get("/notif/stats").then().statusCode(200)
                .body("types.feed", notNullValue());
        given().cookie("access_token", token("operator", "admin")).get("/notif/stats").then().statusCode(200);
    }

    @Test
    void theAdminGroupReadsStatsButDoesNotNotify() {
        given().auth().oauth2(token("operator", "admin")).contentType("application/json")
                .body("{\"key\":\"k\",\"notification\":1}").post("/notif/feed/notify").then().statusCode(403);
        given().auth().oauth2(token("operator", "admin")).contentType("application/json")
                .body("{\"identity\":\"bob\"}").post("/notif/disconnect").then().statusCode(403);
    }
}
