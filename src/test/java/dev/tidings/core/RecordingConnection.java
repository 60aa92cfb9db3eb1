package dev.tidings.core;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stream that keeps what the core writes to it, as short lines: {@code ready}, {@code n<id> <frame>},
 * {@code listen type:key:true}, {@code refused type:key:false:LIMIT}, {@code missed}, {@code ended <why>},
 * {@code closed}. Its socket can be made to refuse writes, to see back-pressure.
 */
final class RecordingConnection implements ClientConnection {

    final List<String> events = new CopyOnWriteArrayList<>();
    /** The frames themselves, to see that they are shared between clients. */
    final List<byte[]> frames = new CopyOnWriteArrayList<>();
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
    public void ready(String clientId, boolean resumed) {
        events.add("ready");
    }

    @Override
    public void notification(long id, byte[] frame) {
        frames.add(frame);
        events.add("n" + id + " " + new String(frame, StandardCharsets.UTF_8));
    }

    @Override
    public void listen(String type, String key, boolean listening) {
        events.add("listen " + type + ":" + key + ":" + listening);
    }

    @Override
    public void listenRefused(String type, String key, boolean listening, TidingsException.Reason refusal, String message) {
        events.add("refused " + type + ":" + key + ":" + listening + ":" + refusal);
    }

    @Override
    public void missed() {
        events.add("missed");
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
