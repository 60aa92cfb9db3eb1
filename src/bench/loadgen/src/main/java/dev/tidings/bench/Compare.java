package dev.tidings.bench;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * {@code compare <scenario> <tidings.properties> <nchan.properties>}: one Markdown table of a
 * scenario's figures, each with its ratio to Nchan's, then the targets that apply to it.
 */
final class Compare {

    private record Row(String label, String key, boolean higherIsBetter) {}

    public static void main(String[] args) throws IOException {
        String scenario = args[0];
        Properties t = load(Path.of(args[1]));
        Properties n = args.length > 2 && Files.exists(Path.of(args[2])) ? load(Path.of(args[2])) : new Properties();
        // kafka: a 4th file, in-process Tidings from the simple scenario, for the 0.7x target
        Properties in = args.length > 3 && Files.exists(Path.of(args[3])) ? load(Path.of(args[3])) : null;
        List<Row> rows = new ArrayList<>(List.of(
                new Row("clients held", "clients.held", true),
                new Row("heap per idle client, KiB (after GC)", "idle.heapPerClientKiB", false),
                new Row("RSS per idle client, KiB", "idle.rssPerClientKiB", false)));
        for (String phase : phases(t)) {
            String p = "phase." + phase + ".";
            rows.add(new Row("[" + phase + "] notifies", p + "notifies", true));
            rows.add(new Row("[" + phase + "] deliveries/s", p + "deliveriesPerSec", true));
            rows.add(new Row("[" + phase + "] latency p50, ms", p + "latencyMs.p50", false));
            rows.add(new Row("[" + phase + "] latency p99, ms", p + "latencyMs.p99", false));
            rows.add(new Row("[" + phase + "] latency max, ms", p + "latencyMs.max", false));
            rows.add(new Row("[" + phase + "] server CPU s per 100k deliveries", p + "server.cpuSecondsPer100k", false));
            rows.add(new Row("[" + phase + "] load generator CPU s (phase)", p + "gen.cpuSeconds", false));
            rows.add(new Row("[" + phase + "] deliveries lost", p + "lost", false));
            rows.add(new Row("[" + phase + "] gaps / reorders seen by clients", p + "gaps", false));
        }
        StringBuilder out = new StringBuilder();
        out.append("### ").append(scenario).append(" (").append(t.getProperty("clients.wanted")).append(" clients, ")
                .append(t.getProperty("keys")).append(" keys, type ").append(t.getProperty("type"))
                .append(", ").append(t.getProperty("tabs")).append(" tab(s) per identity)\n\n");
        if (in == null) {
            out.append("| figure | Tidings | Nchan | Tidings / Nchan |\n|---|---:|---:|---:|\n");
        } else {
            out.append("| figure | Tidings on Kafka (2 replicas) | Nchan | Kafka / Nchan | Tidings in-process | Kafka / in-process |\n")
                    .append("|---|---:|---:|---:|---:|---:|\n");
        }
        for (Row r : rows) {
            String tv = t.getProperty(r.key());
            if (tv == null) {
                continue;
            }
            String nv = n.getProperty(r.key(), "—");
            if (r.key().endsWith(".gaps")) {
                String pre = r.key().substring(0, r.key().length() - "gaps".length());
                tv = tv + " / " + t.getProperty(pre + "reorders");
                nv = n.getProperty(r.key()) == null ? "—" : nv + " / " + n.getProperty(pre + "reorders");
            }
            out.append("| ").append(r.label()).append(" | ").append(tv).append(" | ").append(nv).append(" | ")
                    .append(ratio(tv, nv));
            if (in != null) {
                String iv = in.getProperty(r.key(), "—");
                out.append(" | ").append(iv).append(" | ").append(ratio(tv, iv));
            }
            out.append(" |\n");
        }
        out.append('\n');
        targets(scenario, t, n, out);
        if (in != null) {
            double k = num(t, "phase.max.deliveriesPerSec");
            double i = num(in, "phase.max.deliveriesPerSec");
            double kp = num(t, "phase.rate200.latencyMs.p99");
            double ip = num(in, "phase.rate200.latencyMs.p99");
            out.append("Kafka mode against in-process (simple scenario of the same run):\n\n- ")
                    .append(check("deliveries/s within 0.7× of in-process", k >= 0.7 * i,
                            String.format(Locale.ROOT, "%.0f vs %.0f (%.2f×)", k, i, k / i)))
                    .append("\n- latency p99 at 200 notifies/s: ")
                    .append(String.format(Locale.ROOT, "%.2f ms vs %.2f ms in-process", kp, ip)).append("\n\n");
        }
        System.out.print(out);
    }

    static void targets(String scenario, Properties t, Properties n, StringBuilder out) {
        List<String> lines = new ArrayList<>();
        for (String phase : phases(t)) {
            long lost = Long.parseLong(t.getProperty("phase." + phase + ".lost", "0"));
            long gaps = Long.parseLong(t.getProperty("phase." + phase + ".gaps", "0"));
            long reorders = Long.parseLong(t.getProperty("phase." + phase + ".reorders", "0"));
            lines.add(check("[" + phase + "] deliveries lost = 0 (gaps 0, reorders 0)",
                    lost == 0 && gaps == 0 && reorders == 0, lost + " lost, " + gaps + " gaps, " + reorders + " reorders"));
        }
        double heap = num(t, "idle.heapPerClientKiB");
        if (!Double.isNaN(heap)) {
            lines.add(check("heap growth ≤ 10 KiB per idle client", heap <= 10, String.format(Locale.ROOT, "%.2f KiB", heap)));
        }
        if (scenario.startsWith("capacity")) {
            long heldClients = Long.parseLong(t.getProperty("clients.held", "0"));
            lines.add(check("19,000 concurrent SSE clients held", heldClients >= 19_000, heldClients + " held"));
        }
        double tmax = num(t, "phase.max.deliveriesPerSec");
        double nmax = num(n, "phase.max.deliveriesPerSec");
        if (!Double.isNaN(tmax) && !Double.isNaN(nmax)) {
            double need = scenario.startsWith("chat") ? 0.5 : scenario.startsWith("kafka") ? 0.0 : 1.0;
            if (need > 0) {
                lines.add(check("deliveries/s ≥ " + need + "× Nchan's", tmax >= need * nmax,
                        String.format(Locale.ROOT, "%.2f×", tmax / nmax)));
            }
        }
        for (String phase : phases(t)) {
            if (!phase.startsWith("rate")) {
                continue;
            }
            double tp = num(t, "phase." + phase + ".latencyMs.p99");
            double np = num(n, "phase." + phase + ".latencyMs.p99");
            double tm = num(t, "phase." + phase + ".latencyMs.max");
            if (!Double.isNaN(np)) {
                lines.add(check("[" + phase + "] p99 ≤ 2× Nchan's p99", tp <= 2 * np,
                        String.format(Locale.ROOT, "%.2f ms vs %.2f ms (%.2f×)", tp, np, tp / np)));
            }
            lines.add(check("[" + phase + "] latency never above 50 ms (max)", tm <= 50,
                    String.format(Locale.ROOT, "max %.2f ms", tm)));
        }
        out.append("Targets:\n\n");
        for (String l : lines) {
            out.append("- ").append(l).append('\n');
        }
        out.append('\n');
    }

    static String check(String what, boolean met, String figure) {
        return (met ? "MET" : "MISSED") + ": " + what + " — " + figure;
    }

    static List<String> phases(Properties p) {
        List<String> names = new ArrayList<>();
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("phase.") && k.endsWith(".notifies")) {
                names.add(k.substring(6, k.length() - ".notifies".length()));
            }
        }
        names.sort((a, b) -> a.startsWith("rate") == b.startsWith("rate") ? a.compareTo(b) : a.startsWith("rate") ? -1 : 1);
        return names;
    }

    static double num(Properties p, String key) {
        String v = p.getProperty(key);
        try {
            return v == null ? Double.NaN : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    static String ratio(String a, String b) {
        try {
            double x = Double.parseDouble(a);
            double y = Double.parseDouble(b);
            return y == 0 ? "—" : String.format(Locale.ROOT, "%.2f", x / y);
        } catch (NumberFormatException e) {
            return "—";
        }
    }

    static Properties load(Path p) throws IOException {
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(p)) {
            props.load(r);
        }
        return props;
    }
}
