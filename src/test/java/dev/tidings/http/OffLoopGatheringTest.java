package dev.tidings.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A drain off the connection's event loop (a replay read back on another thread, a listen
 * confirmed from another loop) cannot write raw chunks itself: its events wait for a flush queued
 * on the loop. It must stop gathering once a flush's worth is waiting and go on from the loop, or
 * one client's replay would become one buffer of its whole length.
 */
class OffLoopGatheringTest {

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aDrainOffTheLoopStopsAfterAFlushWorthAndGoesOnOnTheLoopWithNothingLost() throws Exception {
        CompletableFuture<SseConnection> opened = new CompletableFuture<>();
        // as Quarkus configures it: no WebSocket compression handler between the encoder and Vert.x
        HttpServerOptions options = new HttpServerOptions().setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false);
        HttpServer server = vertx.createHttpServer(options).requestHandler(request -> {
            SseConnection.RawPath raw = StreamRoute.rawPath(request);
            if (raw == null) {
                opened.completeExceptionally(new AssertionError("a plain HTTP/1.1 connection takes raw chunks"));
                return;
            }
            request.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
            opened.complete(new SseConnection(request.response(), 1000, StreamRoute.eventLoop(request), raw, Long.MAX_VALUE));
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        try (Socket socket = new Socket("127.0.0.1", server.actualPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /s HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            SseConnection c = opened.get(10, TimeUnit.SECONDS);

            // the loop is busy with something else meanwhile, so that what follows waits for it
            CountDownLatch loopBusy = new CountDownLatch(1);
            c.executor().execute(() -> {
                try {
                    loopBusy.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            int gathered = 0;
            while (gathered < 100 && c.writable()) { // this test thread is no event loop
                c.notification(cursor(gathered), frame(gathered));
                gathered++;
            }
            assertTrue(gathered < 100, "stopped gathering off the loop");
            assertEquals(5, gathered, "4 KB events: the fifth passes 16 KiB");

            CompletableFuture<Boolean> goesOn = new CompletableFuture<>();
            CompletableFuture<Boolean> writableThen = new CompletableFuture<>();
            c.whenWritable(() -> {
                goesOn.complete(Context.isOnEventLoopThread());
                writableThen.complete(c.writable());
            });
            assertFalse(c.writable(), "still waiting for the flush queued on the loop");
            loopBusy.countDown();
            assertTrue(goesOn.get(10, TimeUnit.SECONDS), "the drain goes on on the event loop");
            assertTrue(writableThen.get(10, TimeUnit.SECONDS), "after that flush: writable again");
            int first = gathered;
            CompletableFuture<Integer> more = new CompletableFuture<>();
            c.executor().execute(() -> {
                int n = 0;
                while (n < 3 && c.writable()) {
                    c.notification(cursor(first + n), frame(first + n));
                    n++;
                }
                c.flush();
                more.complete(n);
            });
            assertEquals(3, more.get(10, TimeUnit.SECONDS), "on the loop, writes go straight out");

            int all = gathered + 3;
            String body = readUntilCount(socket.getInputStream(), "event: notification", all);
            assertTrue(body.startsWith("HTTP/1.1 200"), body.substring(0, Math.min(80, body.length())));
            int at = 0;
            for (int i = 0; i < all; i++) {
                String event = "id: c" + i + "\n";
                int next = body.indexOf(event, at);
                assertTrue(next >= 0, "event " + i + " arrives after event " + (i - 1));
                assertTrue(body.startsWith(new String(frame(i), StandardCharsets.US_ASCII) + "\n\n",
                        body.indexOf("data: ", next) + "data: ".length()), "event " + i + " whole");
                at = next + event.length();
            }
            assertEquals(all, count(body, "event: notification"), "none twice");
        }
    }

    private static byte[] cursor(int i) {
        return ("c" + i).getBytes(StandardCharsets.US_ASCII);
    }

    /** About 4 KB, numbered, so that a reordered or cut event shows. */
    private static byte[] frame(int i) {
        return ("\"" + i + "x".repeat(4_000) + "\"").getBytes(StandardCharsets.US_ASCII);
    }

    private static String readUntilCount(InputStream in, String marker, int times) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (count(seen.toString(StandardCharsets.US_ASCII), marker) < times) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            seen.write(buf, 0, n);
        }
        return seen.toString(StandardCharsets.US_ASCII);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            n++;
        }
        return n;
    }
}
