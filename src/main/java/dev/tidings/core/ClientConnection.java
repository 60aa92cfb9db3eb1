package dev.tidings.core;

import java.util.concurrent.Executor;

/**
 * The open stream of one client process, as the core sees it. The HTTP edge implements it over
 * Server-Sent Events; the core calls it in order, from any thread, one call at a time for a given
 * client process.
 *
 * <p>{@code cursor} arguments are the event's id: the process's {@link Cursor} as URL-safe ASCII
 * (at most 512 bytes), which a stream opened with it as {@code Last-Event-ID} recovers from. Each
 * is a fresh array the connection may keep.
 */
public interface ClientConnection {

    /** The first event: which client process this stream belongs to, and where it starts. */
    void ready(String clientId, boolean resumed, byte[] cursor);

    /**
     * One notification.
     *
     * @param cursor what the client has received with this one
     * @param frame single-line UTF-8 JSON {@code {"type":…,"key":…,"data":…}}, shared between
     *     clients: never modify it
     */
    void notification(byte[] cursor, byte[] frame);

    /** The client's listen set changed (or a listen request was confirmed); a new listen's log starts in {@code cursor}. */
    void listen(String type, String key, boolean listening, byte[] cursor);

    /**
     * A listen or unlisten request forwarded from another replica was refused here; the key's
     * state, unchanged, is {@code listening}. The edge words {@code refusal} as its answer to the
     * request would have.
     */
    void listenRefused(String type, String key, boolean listening, TidingsException.Reason refusal, String message);

    /**
     * Notifications may have been lost for this client: its queue overflowed (every key), or a
     * recovery could not be honoured for the keys named. Comes before anything else that follows.
     */
    void missed(Missed missed);

    /** False while the socket cannot take more without buffering; the core then queues. */
    boolean writable();

    /** Runs the task once the socket can take more. */
    void whenWritable(Runnable task);

    /**
     * The client process has ended for good ({@code closed}: explicitly; {@code disconnected}: its
     * identity was disconnected), so the client should not try to resume it. {@link #close()} follows.
     */
    void ended(String reason);

    /** Ends the stream from the server side (client process ended, or resumed on another stream). */
    void close();

    /**
     * Sends whatever the calls before it left buffered. The core calls it after each batch of
     * writes, so a connection may gather several events into one socket write.
     */
    default void flush() {
    }

    /**
     * The thread that owns this connection's socket (its event loop), or null for any thread. The
     * core then drains this client there, batched with the other clients of the same thread.
     */
    default Executor executor() {
        return null;
    }
}
