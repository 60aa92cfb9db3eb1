package dev.tidings.probe;

/** Client notification of {@link ProbeType}: personalised with the identity it was prepared for. */
public record ProbeView(int seq, String preparedFor) {}
