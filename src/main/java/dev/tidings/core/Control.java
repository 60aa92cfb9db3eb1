package dev.tidings.core;

/**
 * A change to listeners that must reach the replica holding the client process, carried by the
 * same transport as publications (as Centrifuge does with unsubscribe and disconnect).
 *
 * <p>{@code caller} is the principal name of who asked, checked against the client's owner by
 * the replica that holds it; null when the request proved no identity (demo mode) or came from
 * server code.
 */
public sealed interface Control {

    /** Make one client process listen or stop listening on a key. */
    record Listen(String type, String client, String key, boolean listening, String caller) implements Control {}

    /** Make every client process of an identity stop listening on a key. */
    record UnlistenIdentity(String type, String identity, String key) implements Control {}

    /** End one client process at once (a tab closing), on whichever replica holds it. */
    record Close(String client, String caller) implements Control {}

    /** End every client process of a principal (by name) on every replica. */
    record Disconnect(String caller) implements Control {}
}
