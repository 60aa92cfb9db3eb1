package dev.tidings.deploy;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Fields of a manifest that its model does not know: fabric8's and Strimzi's model classes keep
 * them in {@code additionalProperties} instead of failing, so a misspelt {@code readinesProbe} or
 * {@code partitons} would otherwise render, apply and be ignored.
 */
final class UnknownFields {

    private UnknownFields() {}

    static List<String> in(Object resource) {
        List<String> found = new ArrayList<>();
        walk(resource, resource.getClass().getSimpleName(), found);
        return found;
    }

    private static void walk(Object node, String path, List<String> found) {
        if (node == null) {
            return;
        }
        if (node instanceof Collection<?> c) {
            int i = 0;
            for (Object o : c) {
                walk(o, path + "[" + i++ + "]", found);
            }
            return;
        }
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, found));
            return;
        }
        if (!isModel(node.getClass())) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || getter.isBridge()
                    || !(getter.getName().startsWith("get") || getter.getName().startsWith("is"))
                    || getter.getName().equals("getClass")) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> found.add(path + "." + k));
                }
                continue;
            }
            walk(value, path + "." + property(getter.getName()), found);
        }
    }

    private static boolean isModel(Class<?> type) {
        String name = type.getName();
        return !type.isEnum() && (name.startsWith("io.fabric8.kubernetes.api.model") || name.startsWith("io.strimzi.api"));
    }

    private static String property(String getter) {
        String bare = getter.startsWith("is") ? getter.substring(2) : getter.substring(3);
        return bare.isEmpty() ? bare : Character.toLowerCase(bare.charAt(0)) + bare.substring(1);
    }
}
