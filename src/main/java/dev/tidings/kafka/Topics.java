package dev.tidings.kafka;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which topic each registered notification type uses ({@code tidings.kafka.topic-prefix} + type
 * name, unless {@code tidings.kafka.topics.<type>} names one), and the control topic. Known once
 * Tidings has registered its types (CDI beans and {@code tidings.simple-types}), at start.
 */
final class Topics {

    /** type name → topic, in type name order */
    private final Map<String, String> byType;
    /** topic → type name */
    private final Map<String, String> byTopic;
    private final String control;

    private Topics(Map<String, String> byType, Map<String, String> byTopic, String control) {
        this.byType = Collections.unmodifiableMap(byType);
        this.byTopic = Collections.unmodifiableMap(byTopic);
        this.control = control;
    }

    /** @throws IllegalStateException when two types, or a type and the control messages, would share a topic */
    static Topics of(Set<String> types, KafkaTransportConfig config) {
        Map<String, String> byType = new LinkedHashMap<>();
        Map<String, String> byTopic = new HashMap<>();
        for (String type : new TreeSet<>(types)) {
            String topic = config.topics().getOrDefault(type, config.topicPrefix() + type);
            String other = byTopic.put(topic, type);
            if (other != null) {
                throw new IllegalStateException("types " + other + " and " + type + " both map to topic " + topic
                        + "; set tidings.kafka.topics.<type>");
            }
            byType.put(type, topic);
        }
        String control = config.controlTopic();
        if (byTopic.containsKey(control)) {
            throw new IllegalStateException("type " + byTopic.get(control) + " maps to the control topic " + control
                    + "; set tidings.kafka.control-topic or tidings.kafka.topics.<type>");
        }
        return new Topics(byType, byTopic, control);
    }

    /** The topic of a type; null for a type that is not registered here. */
    String topicOf(String type) {
        return byType.get(type);
    }

    /** The type a topic carries; null for the control topic and for topics no type maps to. */
    String typeOf(String topic) {
        return byTopic.get(topic);
    }

    String control() {
        return control;
    }

    /** type name → topic */
    Map<String, String> byType() {
        return byType;
    }

    /** Every topic this replica reads and writes: the types' topics, then the control topic. */
    List<String> all() {
        List<String> all = new ArrayList<>(byType.values());
        all.add(control);
        return all;
    }

    @Override
    public String toString() {
        return byType + ", control " + control;
    }
}
