package dev.tidings.http;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.core.TidingsException;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** /q/openapi describes every endpoint the code serves, with every error the code can answer. */
@QuarkusTest
class OpenApiTest {

    private static JsonNode spec() throws Exception {
        return new ObjectMapper().readTree(given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().asString());
    }

    @Test
    void everyRestEndpointAndTheStreamAreDescribed() throws Exception {
        JsonNode paths = spec().get("paths");
        Set<String> served = new HashSet<>();
        served.add("get /notif/stream");
        String base = NotifResource.class.getAnnotation(Path.class).value();
        for (Method m : NotifResource.class.getMethods()) {
            Path path = m.getAnnotation(Path.class);
            String verb = m.isAnnotationPresent(POST.class) ? "post" : m.isAnnotationPresent(GET.class) ? "get"
                    : m.isAnnotationPresent(DELETE.class) ? "delete" : null;
            if (path != null && verb != null) {
                served.add(verb + " " + base + "/" + path.value());
            }
        }
        assertEquals(8, served.size(), "the endpoints this test knows of: " + served);
        for (String endpoint : served) {
            String[] verbPath = endpoint.split(" ");
            JsonNode operation = paths.path(verbPath[1]).get(verbPath[0]);
            assertNotNull(operation, endpoint + " is not in /q/openapi");
            assertTrue(operation.get("responses").fieldNames().hasNext());
        }
    }

    @Test
    void theErrorSchemaNamesEveryCodeTheServerAnswersWith() throws Exception {
        JsonNode codes = spec().at("/components/schemas/Error/properties/error/enum");
        Set<String> documented = new HashSet<>();
        codes.forEach(c -> documented.add(c.asText()));
        for (TidingsException.Reason reason : TidingsException.Reason.values()) {
            String code = reason.name().toLowerCase(Locale.ROOT);
            assertTrue(documented.contains(code), code + " is not documented");
            String status = Integer.toString(Errors.status(reason));
            assertTrue(spec().toString().contains("\"" + status + "\""), status + " appears nowhere");
        }
    }
}
