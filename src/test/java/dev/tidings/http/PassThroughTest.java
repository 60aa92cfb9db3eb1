package dev.tidings.http;

import static dev.tidings.testing.Api.stream;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tidings.testing.SseClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A simple type delivers the notification's JSON exactly as it was sent. */
@QuarkusTest
class PassThroughTest {

    private static String deliveredData(SseClient s, String key) {
        SseClient.Event e = s.await(ev -> ev.event().equals("notification") && ev.data().contains("\"key\":\"" + key + "\""));
        String prefix = "{\"type\":\"feed\",\"key\":\"" + key + "\",\"data\":";
        assertEquals(prefix, e.data().substring(0, prefix.length()));
        return e.data().substring(prefix.length(), e.data().length() - 1);
    }

    @Test
    void numbersOfAnySizeAndPrecisionAndEveryOtherByteArriveUnchanged() {
        List<String> notifications = List.of(
                "{\"big\":1e400,\"precise\":0.1000000000000000055511151231257827,\"long\":123456789012345678.5}",
                "{ \"spaced\" : [ 1 , 2.50 , -0.0 , 1E+2 ] , \"s\" : \"caf\\u00e9 \\\"q\\\"\" , \"n\" : null }",
                "123456789012345678901234567890",
                "\"just a string\"",
                "[true,false,null]",
                "-1.5e-400");
        try (SseClient s = stream("reader", "feed:exact")) {
            s.awaitListen("feed", "exact", true);
            for (int i = 0; i < notifications.size(); i++) {
                String key = "exact";
                given().contentType(ContentType.JSON)
                        .body("{\"key\":\"" + key + "\",\"notification\":" + notifications.get(i) + ",\"notfor\":null}")
                        .post("/notif/feed/notify").then().statusCode(202);
                s.awaitData("feed", key, i + 1);
            }
            List<String> got = s.events().stream().filter(e -> e.event().equals("notification"))
                    .map(e -> e.data().substring("{\"type\":\"feed\",\"key\":\"exact\",\"data\":".length(), e.data().length() - 1))
                    .toList();
            assertEquals(notifications, got);
        }
    }

    @Test
    void aPrettyPrintedNotificationStaysOneDataLineWithItsTokensUnchanged() {
        try (SseClient s = stream("reader2", "feed:pretty")) {
            s.awaitListen("feed", "pretty", true);
            given().contentType(ContentType.JSON).body("{\"key\":\"pretty\",\n \"notification\": {\n  \"x\": 1e400\n }\n}")
                    .post("/notif/feed/notify").then().statusCode(202);
            assertEquals("{   \"x\": 1e400  }", deliveredData(s, "pretty"));
        }
    }

    @Test
    void aBodyThatIsNotOneJsonObjectIsRefused() {
        for (String body : List.of("{\"key\":\"k\",\"notification\":1} trailing", "{\"key\":\"k\",\"notification\":}",
                "{\"key\":\"k\",\"notification\":1,\"notification\":2}", "{\"key\":\"k\"}", "{\"notification\":1}",
                "{\"key\":7,\"notification\":1}", "{\"key\":\"k\",\"notification\":null}", "[1]",
                "{\"key\":\"k\",\"notification\":1,\"notfor\":{\"client\":\"a\",\"identity\":\"b\"}}")) {
            given().contentType(ContentType.JSON).body(body).post("/notif/feed/notify").then().statusCode(400);
        }
    }
}
