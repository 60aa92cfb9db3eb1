package dev.tidings.deploy;

import dev.tidings.core.TidingsConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The application's configuration as a replica of an overlay sees it: the packaged
 * {@code application.properties} (ordinal 250), under it the ConfigMap's
 * {@code config/application.properties} and {@code config/application-<profile>.properties} (260),
 * for the profile the container runs ({@code QUARKUS_PROFILE}, else {@code prod}); read through
 * every {@code @ConfigMapping} of the application under {@code tidings}, found in its classes;
 * {@link #strict} refuses unknown {@code tidings.*} keys as SmallRye's validation does.
 */
final class AppConfig {

    static final Path PACKAGED = Path.of("src", "main", "resources", "application.properties");

    final String profile;
    /** Every key of the ConfigMap's files, base and profile file alike. */
    final Map<String, String> configMapKeys;
    final SmallRyeConfig config;

    private AppConfig(String profile, Map<String, String> configMapKeys, SmallRyeConfig config) {
        this.profile = profile;
        this.configMapKeys = configMapKeys;
        this.config = config;
    }

    static AppConfig of(Overlay overlay) {
        return of(overlay, false);
    }

    /** As {@link #of}, and unknown {@code tidings.*} keys fail the build of the configuration, each named. */
    static AppConfig strict(Overlay overlay) {
        return of(overlay, true);
    }

    private static AppConfig of(Overlay overlay, boolean validateUnknown) {
        String profile = overlay.env("QUARKUS_PROFILE").orElse("prod");
        Map<String, String> files = overlay.mountedConfigMap("config").getData();
        Map<String, String> base = properties(files.getOrDefault("application.properties", ""));
        Map<String, String> profiled = properties(files.getOrDefault("application-" + profile + ".properties", ""));
        for (String file : files.keySet()) {
            if (!file.equals("application.properties") && !file.equals("application-" + profile + ".properties")) {
                throw new AssertionError(overlay + ": the ConfigMap holds " + file + ", which profile " + profile + " never reads");
            }
        }
        Map<String, String> packaged;
        try {
            packaged = properties(Files.readString(PACKAGED));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> asProfile = new LinkedHashMap<>();
        profiled.forEach((k, v) -> asProfile.put("%" + profile + "." + k, v));
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder()
                .withProfile(profile)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(packaged, "application.properties (packaged)", 250))
                .withSources(new PropertiesConfigSource(base, "config/application.properties", 260))
                .withSources(new PropertiesConfigSource(asProfile, "config/application-" + profile + ".properties", 261))
                .withValidateUnknown(validateUnknown);
        for (Class<?> mapping : tidingsMappings()) {
            builder.withMapping(mapping);
        }
        Map<String, String> all = new LinkedHashMap<>(base);
        all.putAll(profiled);
        return new AppConfig(profile, all, builder.build());
    }

    <T> T mapping(Class<T> type) {
        return config.getConfigMapping(type);
    }

    Duration duration(String key) {
        return config.getValue(key, Duration.class);
    }

    private static Map<String, String> properties(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    /** Every interface of the application's own classes with a {@code @ConfigMapping} under {@code tidings}. */
    static List<Class<?>> tidingsMappings() {
        try {
            Path classes = Path.of(TidingsConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            List<Class<?>> found = new ArrayList<>();
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                    String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                    Class<?> type;
                    try {
                        type = Class.forName(name, false, AppConfig.class.getClassLoader());
                    } catch (ClassNotFoundException | LinkageError e) {
                        continue;
                    }
                    ConfigMapping mapping = type.getAnnotation(ConfigMapping.class);
                    if (mapping != null && (mapping.prefix().equals("tidings") || mapping.prefix().startsWith("tidings."))) {
                        found.add(type);
                    }
                }
            }
            if (found.isEmpty()) {
                throw new AssertionError("no @ConfigMapping under tidings in " + classes);
            }
            return found;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
