package dev.tidings.core;

/** A stream that takes every event and does nothing with it; tests override what they watch. */
abstract class ClientConnectionBase implements ClientConnection {

    @Override
    public void ready(String clientId, boolean resumed) {
    }

    @Override
    public void notification(long id, byte[] frame) {
    }

    @Override
    public void listen(String type, String key, boolean listening) {
    }

    @Override
    public void listenRefused(String type, String key, boolean listening, TidingsException.Reason refusal, String message) {
    }

    @Override
    public void missed() {
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
