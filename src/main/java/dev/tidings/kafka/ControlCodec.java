package dev.tidings.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tidings.core.Control;
import java.io.IOException;

/**
 * Control messages on the control topic, as JSON:
 * <pre>
 * {"op":"listen","type":"chat","client":"…","key":"room1","listening":true,"caller":"alice"}
 * {"op":"unlisten-identity","type":"chat","identity":"bob","key":"room1"}
 * {"op":"disconnect","caller":"bob"}
 * {"op":"close","client":"…","caller":"alice"}
 * </pre>
 * {@code caller} is null (or absent) when the request proved no identity. Replicas before 0.2
 * wrote it as {@code requester}, which is still read, so that a rolling upgrade loses nothing.
 */
final class ControlCodec {

    private final ObjectMapper mapper;

    ControlCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The record key: one client's (or identity's) control messages stay in order on one partition. */
    static String recordKey(Control control) {
        if (control instanceof Control.Listen l) {
            return l.client();
        } else if (control instanceof Control.UnlistenIdentity u) {
            return u.identity();
        } else if (control instanceof Control.Disconnect d) {
            return d.caller();
        } else if (control instanceof Control.Close c) {
            return c.client();
        }
        throw new IllegalArgumentException("unknown control " + control);
    }

    byte[] encode(Control control) {
        ObjectNode o = mapper.createObjectNode();
        if (control instanceof Control.Listen l) {
            o.put("op", "listen").put("type", l.type()).put("client", l.client()).put("key", l.key())
                    .put("listening", l.listening()).put("caller", l.caller());
        } else if (control instanceof Control.UnlistenIdentity u) {
            o.put("op", "unlisten-identity").put("type", u.type()).put("identity", u.identity()).put("key", u.key());
        } else if (control instanceof Control.Disconnect d) {
            o.put("op", "disconnect").put("caller", d.caller());
        } else if (control instanceof Control.Close c) {
            o.put("op", "close").put("client", c.client()).put("caller", c.caller());
        } else {
            throw new IllegalArgumentException("unknown control " + control);
        }
        try {
            return mapper.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @throws IllegalArgumentException when the bytes are not a control message */
    Control decode(byte[] value) {
        JsonNode o;
        try {
            o = value == null ? null : mapper.readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String op = text(o, "op");
        switch (op) {
            case "listen":
                JsonNode listening = o.get("listening");
                if (listening == null || !listening.isBoolean()) {
                    throw new IllegalArgumentException("listening must be true or false");
                }
                return new Control.Listen(text(o, "type"), text(o, "client"), text(o, "key"), listening.booleanValue(),
                        caller(o));
            case "unlisten-identity":
                return new Control.UnlistenIdentity(text(o, "type"), text(o, "identity"), text(o, "key"));
            case "disconnect":
                return new Control.Disconnect(text(o, "caller"));
            case "close":
                return new Control.Close(text(o, "client"), caller(o));
            default:
                throw new IllegalArgumentException("unknown op " + op);
        }
    }

    /** Who asked, from {@code caller} (or the older {@code requester}); null when nobody was named. */
    private static String caller(JsonNode o) {
        JsonNode v = o.has("caller") ? o.get("caller") : o.get("requester");
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException(field + " must be a non-empty string");
        }
        return v.asText();
    }
}
