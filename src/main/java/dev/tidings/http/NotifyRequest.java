package dev.tidings.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.tidings.core.NotFor;
import dev.tidings.core.TidingsException;
import dev.tidings.core.TidingsException.Reason;
import java.io.IOException;
import java.util.Arrays;

/**
 * The body of {@code POST /notif/{type}/notify}, read as a stream so that the notification's JSON
 * is kept exactly as it came (a byte range of the body): nothing a user sends is altered, numbers
 * of any size and precision included.
 *
 * @param notification the notification's JSON, byte for byte
 */
record NotifyRequest(String key, byte[] notification, NotFor notFor) {

    static NotifyRequest read(JsonFactory json, byte[] body) {
        try (JsonParser p = json.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad("the body must be a JSON object");
            }
            String key = null;
            byte[] notification = null;
            NotFor notFor = NotFor.none();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "key" -> key = text(p, value, "key");
                    case "notification" -> {
                        if (notification != null) {
                            throw bad("notification is given twice");
                        }
                        if (value == JsonToken.VALUE_NULL) {
                            throw bad("notification is null");
                        }
                        int start = (int) p.currentTokenLocation().getByteOffset();
                        p.skipChildren();
                        p.finishToken();
                        int end = (int) p.currentLocation().getByteOffset();
                        notification = Arrays.copyOfRange(body, start, end);
                    }
                    case "notfor" -> notFor = notFor(p, value);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw bad("malformed JSON: trailing content after the object");
            }
            if (key == null) {
                throw bad("key is missing");
            }
            if (notification == null) {
                throw bad("notification is missing");
            }
            return new NotifyRequest(key, notification, notFor);
        } catch (JsonProcessingException e) {
            throw bad("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw bad("unreadable body");
        }
    }

    private static String text(JsonParser p, JsonToken value, String field) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            throw bad(field + " is missing");
        }
        if (value != JsonToken.VALUE_STRING || p.getText().isEmpty()) {
            p.skipChildren();
            throw bad(field + " must be a non-empty string");
        }
        return p.getText();
    }

    private static NotFor notFor(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return NotFor.none();
        }
        String wrong = "notfor must be {\"client\":\"…\"} or {\"identity\":\"…\"}";
        if (value != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME) {
            throw bad(wrong);
        }
        String kind = p.currentName();
        String id = text(p, p.nextToken(), kind);
        if (p.nextToken() != JsonToken.END_OBJECT) {
            throw bad(wrong);
        }
        return switch (kind) {
            case "client" -> NotFor.client(id);
            case "identity" -> NotFor.identity(id);
            default -> throw bad(wrong);
        };
    }

    private static TidingsException bad(String message) {
        return new TidingsException(Reason.BAD_REQUEST, message);
    }
}
