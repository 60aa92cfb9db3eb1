package dev.tidings.core;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stream that keeps what the core writes to it, as short lines: {@code ready}, {@code n <frame>},
 * {@code listen type:key:true}, {@code refused type:key:false:LIMIT}, {@code missed} (an overflow) or
 * {@code missed <reason> type:key,…}, {@code ended <why>}, {@code closed}; and the event ids (cursors)
 * in {@link #cursors}. Its socket can be made to refuse writes, to see back-pressure.
 */
final class RecordingConnection implements ClientConnection {

    final List<String> events = new CopyOnWriteArrayList<>();
    /** The frames themselves, to see that they are shared between clients. */
    final List<byte[]> frames = new CopyOnWriteArrayList<>();
    /** The id of every ready, listen and notification event, in order. */
    final List<String> cursors = new CopyOnWriteArrayList<>();
    /** The id of every notification, in order. */
    final List<String> notificationCursors = new CopyOnWriteArrayList<>();
    /** What every missed event said. */
    final List<Missed> missed = new CopyOnWriteArrayList<>();
    private volatile boolean writable = true;
    private volatile Runnable whenWritable;

    /** The socket fills up (false) or drains (true, running what waited for it). */
    void writable(boolean value) {
        writable = value;
        Runnable task = whenWritable;
        if (value && task != null) {
            whenWritable = null;
            task.run();
        }
    }

    /** The data of every notification received, in order. */
    List<String> notifications() {
        return events.stream().filter(e -> e.startsWith("n")).map(e -> e.substring(e.indexOf(' ') + 1)).toList();
    }

    @Override
    public void ready(String clientId, boolean resumed, byte[] cursor) {
        cursors.add(new String(cursor, StandardCharsets.US_ASCII));
        events.add("ready");
    }

    @Override
    public void notification(byte[] cursor, byte[] frame) {
        cursors.add(new String(cursor, StandardCharsets.US_ASCII));
        notificationCursors.add(new String(cursor, StandardCharsets.US_ASCII));
        frames.add(frame);
        events.add("n " + new String(frame, StandardCharsets.UTF_8));
    }

    /** The id of the last event that had one. */
    String lastCursor() {
        return cursors.get(cursors.size() - 1);
    }

    @Override
    public void listen(String type, String key, boolean listening, byte[] cursor) {
        cursors.add(new String(cursor, StandardCharsets.US_ASCII));
        events.add("listen " + type + ":" + key + ":" + listening);
    }

    @Override
    public void listenRefused(String type, String key, boolean listening, TidingsException.Reason refusal, String message) {
        events.add("refused " + type + ":" + key + ":" + listening + ":" + refusal);
    }

    @Override
    public void missed(Missed m) {
        missed.add(m);
        events.add(m.keys().isEmpty() ? "missed" : "missed " + m.reason() + " "
                + String.join(",", m.keys().stream().map(k -> k.type() + ":" + k.key()).toList()));
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public void whenWritable(Runnable task) {
        whenWritable = task;
    }

    @Override
    public void ended(String reason) {
        events.add("ended " + reason);
    }

    @Override
    public void close() {
        events.add("closed");
    }
}
