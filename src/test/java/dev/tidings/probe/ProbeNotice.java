package dev.tidings.probe;

/**
 * Server notification of the test-only {@link ProbeType}: a sequence number and instructions for
 * {@code prepare} per identity (block, fail, stall, answer with no Uni at all, delay).
 */
public record ProbeNotice(int seq, String blockFor, String failFor, String stallFor, String nullUniFor, int maxDelayMillis) {

    public static ProbeNotice plain(int seq) {
        return new ProbeNotice(seq, null, null, null, null, 0);
    }
}
