package dev.tidings.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration keys of the Quarkus extensions on the class path, with the phase each is read
 * in, from the model every extension ships ({@code META-INF/quarkus-config-doc/quarkus-config-model.json}).
 * A key a ConfigMap sets must be read at run time: build-time keys are fixed in the packaged jar.
 */
final class QuarkusKeys {

    record Key(Pattern name, String phase) {}

    private static List<Key> keys;

    private QuarkusKeys() {}

    /** The phase of that key ({@code RUN_TIME}, {@code BUILD_TIME}, {@code BUILD_AND_RUN_TIME_FIXED}), if Quarkus knows it. */
    static Optional<String> phase(String key) {
        return all().stream().filter(k -> k.name().matcher(key).matches()).map(Key::phase).findFirst();
    }

    private static synchronized List<Key> all() {
        if (keys == null) {
            List<Key> found = new ArrayList<>();
            ObjectMapper json = new ObjectMapper();
            try {
                for (URL model : Collections.list(QuarkusKeys.class.getClassLoader()
                        .getResources("META-INF/quarkus-config-doc/quarkus-config-model.json"))) {
                    try (InputStream in = model.openStream()) {
                        collect(json.readTree(in), found);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (found.isEmpty()) {
                throw new AssertionError("no Quarkus configuration model on the class path");
            }
            keys = found;
        }
        return keys;
    }

    private static void collect(JsonNode node, List<Key> into) {
        JsonNode property = node.path("path").path("property");
        if (property.isTextual() && node.has("phase")) {
            into.add(new Key(pattern(property.asText()), node.get("phase").asText()));
        }
        for (JsonNode child : node) {
            collect(child, into);
        }
    }

    /** quarkus.log.category."categories".level: a quoted segment stands for any name, quoted or not. */
    private static Pattern pattern(String property) {
        StringBuilder regex = new StringBuilder();
        Matcher quoted = Pattern.compile("\"[^\"]*\"").matcher(property);
        int last = 0;
        while (quoted.find()) {
            regex.append(Pattern.quote(property.substring(last, quoted.start()))).append("(\"[^\"]+\"|[^.\"]+)");
            last = quoted.end();
        }
        return Pattern.compile(regex.append(Pattern.quote(property.substring(last))).toString());
    }
}
