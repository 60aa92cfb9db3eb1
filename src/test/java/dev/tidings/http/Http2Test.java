package dev.tidings.http;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PfxOptions;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Over TLS the server speaks HTTP/2, so one connection carries many streams: a browser's limit of
 * six HTTP/1.1 connections per origin no longer starves the seventh tab.
 */
@QuarkusTest
@TestProfile(Http2Test.Tls.class)
class Http2Test {

    public static class Tls implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.http.ssl.certificate.key-store-file", "tls/localhost.p12",
                    "quarkus.http.ssl.certificate.key-store-password", "changeit",
                    "quarkus.http.test-ssl-port", "0",
                    "quarkus.http.insecure-requests", "enabled");
        }
    }

    private static final int STREAMS = 10;

    @TestHTTPResource(value = "/", tls = true)
    URL https;

    @Test
    void tenStreamsShareOneHttp2ConnectionAndAllReceive() {
        Vertx vertx = Vertx.vertx();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true).setSsl(true)
                .setTrustOptions(new PfxOptions().setPath("src/test/resources/tls/localhost.p12").setPassword("changeit"))
                .setHttp2MaxPoolSize(1));
        Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
        List<HttpVersion> versions = new CopyOnWriteArrayList<>();
        List<StringBuffer> received = new ArrayList<>();
        try {
            for (int i = 0; i < STREAMS; i++) {
                StringBuffer events = new StringBuffer();
                received.add(events);
                client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("localhost").setPort(https.getPort())
                                .setURI("/notif/stream?listen=feed:h2").addHeader("X-Identity", "tab" + i))
                        .compose(request -> {
                            connections.add(request.connection());
                            return request.send();
                        })
                        .onSuccess(response -> {
                            versions.add(response.version());
                            response.handler(chunk -> events.append(chunk.toString()));
                        });
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> received.stream()
                    .allMatch(e -> e.indexOf("\"key\":\"h2\",\"listening\":true") >= 0));
            given().contentType(ContentType.JSON).body(Map.of("key", "h2", "notification", Map.of("to", "all")))
                    .post("/notif/feed/notify").then().statusCode(202);
            await().atMost(Duration.ofSeconds(15)).until(() -> received.stream()
                    .allMatch(e -> e.indexOf("{\"to\":\"all\"}") >= 0));
            assertEquals(STREAMS, versions.size());
            versions.forEach(v -> assertEquals(HttpVersion.HTTP_2, v));
            assertEquals(1, connections.size(), "one TCP connection carried every stream");
        } finally {
            client.close();
            vertx.close();
        }
    }
}
