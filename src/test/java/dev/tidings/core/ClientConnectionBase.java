package dev.tidings.core;

/** A stream that takes every event and does nothing with it; tests override what they watch. */
abstract class ClientConnectionBase implements ClientConnection {

    @Override
    public void ready(String clientId, boolean resumed, byte[] cursor) {
    }

    @Override
    public void notification(byte[] cursor, byte[] frame) {
    }

    @Override
    public void listen(String type, String key, boolean listening, byte[] cursor) {
    }

    @Override
    public void listenRefused(String type, String key, boolean listening, TidingsException.Reason refusal, String message) {
    }

    @Override
    public void missed(Missed missed) {
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public void whenWritable(Runnable task) {
        task.run();
    }

    @Override
    public void ended(String reason) {
    }

    @Override
    public void close() {
    }
}
