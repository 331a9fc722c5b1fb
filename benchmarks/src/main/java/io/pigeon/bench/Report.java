package io.pigeon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns runs.tsv (scenario, broker A|B, round, key, value per line) into results.json, results.md and ratios.svg:
 * per metric the median with min–max over the rounds for each broker, the ratio A/B of the medians, and the target.
 */
final class Report {
    private Report() {
    }

    enum Target { NONE, RATIO_AT_LEAST, RATIO_AT_MOST, AT_MOST, BELOW, EQUALS }

    /** One table row. {@code worst}: judge the target on the worst round, not the median (hard limits). */
    record Spec(String scenario, String metric, String label, String unit, boolean higherBetter, Target target,
                double threshold, boolean worst, String targetText) {
    }

    static List<Spec> specs() {
        List<Spec> s = new ArrayList<>();
        for (String mode : new String[] {"", "-free"}) {
            String m = mode.isEmpty() ? " (pinned)" : " (free)";
            s.add(new Spec("startup" + mode, "startup_ms", "start-up to first CONNACK" + m, "ms", false,
                    Target.AT_MOST, 1500, false, "≤ 1500 ms"));
        }
        String[][] thr = {
            {"fanin-q0", "fan-in 8→1 QoS 0"}, {"fanin-q1", "fan-in 8→1 QoS 1"}, {"fanin-q2", "fan-in 8→1 QoS 2"},
            {"fanout-q0", "fan-out 1→16 QoS 0"}, {"fanout-q1", "fan-out 1→16 QoS 1"},
        };
        for (String mode : new String[] {"", "-free"}) {
            String m = mode.isEmpty() ? " (pinned)" : " (free)";
            for (String[] t : thr) {
                String sc = t[0] + mode;
                s.add(new Spec(sc, "msgs_per_s", t[1] + m + ": delivered", "msg/s", true, Target.RATIO_AT_LEAST, 1.0,
                        false, "ratio ≥ 1.0"));
                s.add(new Spec(sc, "p99_us", t[1] + m + ": p99 latency", "µs", false, Target.NONE, 0, false, ""));
                s.add(new Spec(sc, "broker_cpu_pct", t[1] + m + ": broker CPU", "%", false, Target.NONE, 0, false, ""));
                s.add(new Spec(sc, "gen_cpu_pct", t[1] + m + ": generator CPU", "%", false, Target.NONE, 0, false,
                        ""));
            }
        }
        s.add(new Spec("fanin-q1", "cold_msgs_per_s", "cold start: fan-in 8→1 QoS 1, first 5 s", "msg/s", true,
                Target.NONE, 0, false, ""));
        s.add(new Spec("fanin-q1", "cold_p99_us", "cold start: fan-in 8→1 QoS 1, first 5 s p99", "µs", false,
                Target.NONE, 0, false, ""));
        for (String q : new String[] {"0", "1"}) {
            String sc = "latency-q" + q;
            String l = "one-to-one QoS " + q + " at a fixed rate";
            s.add(new Spec(sc, "p50_us", l + ": p50", "µs", false, Target.NONE, 0, false, ""));
            s.add(new Spec(sc, "p99_us", l + ": p99", "µs", false, Target.RATIO_AT_MOST, 1.25, false,
                    "ratio ≤ 1.25"));
            s.add(new Spec(sc, "p999_us", l + ": p99.9", "µs", false, Target.NONE, 0, false, ""));
        }
        for (String[] i : new String[][] {{"idle-1k", "1,000"}, {"idle-10k", "10,000"}}) {
            String l = i[1] + " idle connections";
            s.add(new Spec(i[0], "rss_per_conn_bytes", l + ": RSS per connection", "B", false, Target.AT_MOST, 8192,
                    false, "≤ 8 KiB"));
            s.add(new Spec(i[0], "heap_per_conn_bytes", l + ": live heap per connection", "B", false,
                    Target.AT_MOST, 8192, false, "≤ 8 KiB"));
            s.add(new Spec(i[0], "conn_per_s", l + ": connection rate", "conn/s", true, Target.NONE, 0, false, ""));
        }
        String x = "2,000 clients with traffic, -Xmx64m";
        s.add(new Spec("xmx64m-2000", "msgs_per_s", x + ": delivered", "msg/s", true, Target.NONE, 0, false, ""));
        s.add(new Spec("xmx64m-2000", "oom", x + ": OutOfMemoryError", "", false, Target.EQUALS, 0, true, "none"));
        s.add(new Spec("xmx64m-2000", "max_gc_pause_ms", x + ": longest GC pause", "ms", false, Target.BELOW, 50, true,
                "< 50 ms"));
        s.add(new Spec("xmx64m-2000", "broker_rss_kb", x + ": broker RSS", "kB", false, Target.NONE, 0, false, ""));
        s.add(new Spec("persist-q1", "msgs_per_s", "fan-in 8→1 QoS 1, persistence on: delivered", "msg/s", true,
                Target.NONE, 0, false, ""));
        s.add(new Spec("persist-q1", "p99_us", "fan-in 8→1 QoS 1, persistence on: p99 latency", "µs", false,
                Target.NONE, 0, false, ""));
        s.add(new Spec("persist-q1", "broker_cpu_pct", "fan-in 8→1 QoS 1, persistence on: broker CPU", "%", false,
                Target.NONE, 0, false, ""));
        s.add(new Spec("persist-q1-off", "msgs_per_s", "fan-in 8→1 QoS 1, persistent subscriber, persistence off: "
                + "delivered", "msg/s", true, Target.NONE, 0, false, ""));
        s.add(new Spec("persist-q1-off", "p99_us", "fan-in 8→1 QoS 1, persistent subscriber, persistence off: p99 "
                + "latency", "µs", false, Target.NONE, 0, false, ""));
        return s;
    }

    /**
     * The cost of durability for each broker: persist-q1 (persistence on) over persist-q1-off (the same load with
     * persistence off), from the medians. Issue 4 wants Pigeon's at 0.8 or more.
     */
    static void persistenceCost(Map<String, Map<String, Side>> data, String labelA, StringBuilder md) {
        Map<String, Side> on = data.get("persist-q1");
        Map<String, Side> off = data.get("persist-q1-off");
        if (on == null || off == null) {
            return;
        }
        md.append("\n## Persistence on / off (QoS 1 fan-in 8→1, persistent subscriber)\n\n");
        for (String side : new String[] {"A", "B"}) {
            Side a = on.get(side);
            Side b = off.get(side);
            if (a == null || b == null || a.values("msgs_per_s").isEmpty() || b.values("msgs_per_s").isEmpty()) {
                continue;
            }
            double ratio = median(a.values("msgs_per_s")) / median(b.values("msgs_per_s"));
            String who = side.equals("A") ? labelA : "mosquitto";
            md.append(String.format(Locale.ROOT, "- %s: %.0f msg/s on, %.0f msg/s off, on/off = %.2f%s%n", who,
                    median(a.values("msgs_per_s")), median(b.values("msgs_per_s")), ratio,
                    side.equals("A") ? (ratio >= 0.8 ? " (target ≥ 0.80: pass)" : " (target ≥ 0.80: FAIL)") : ""));
        }
    }

    /** Every round of one broker in one scenario. */
    static final class Side {
        final TreeMap<Integer, Map<String, String>> rounds = new TreeMap<>();

        String failure() {
            List<String> reasons = new ArrayList<>();
            int failed = 0;
            for (Map<String, String> r : rounds.values()) {
                String st = r.getOrDefault("status", "missing");
                if (!st.equals("ok") && !st.startsWith("unsupported")) {
                    failed++;
                    if (!reasons.contains(st)) {
                        reasons.add(st);
                    }
                }
            }
            // "; ", not " | ": the text lands in a Markdown table cell
            return failed == 0 ? null : "FAILED (" + failed + "/" + rounds.size() + " rounds): " + String.join("; ",
                    reasons.stream().map(r -> r.replaceFirst("^FAILED: ", "")).toList());
        }

        String unsupported() {
            for (Map<String, String> r : rounds.values()) {
                String st = r.getOrDefault("status", "");
                if (st.startsWith("unsupported")) {
                    return st.replaceFirst("^unsupported:?\\s*", "");
                }
            }
            return null;
        }

        List<Double> values(String metric) {
            List<Double> v = new ArrayList<>();
            for (Map<String, String> r : rounds.values()) {
                String s = r.get(metric);
                if (s != null) {
                    try {
                        double d = Double.parseDouble(s);
                        if (d >= 0 || metric.endsWith("_per_conn_bytes")) {
                            v.add(d);
                        }
                    } catch (NumberFormatException e) {
                        // a text value is not a measurement
                    }
                }
            }
            return v;
        }

        int saturated() {
            int n = 0;
            for (Map<String, String> r : rounds.values()) {
                if ("1".equals(r.get("generator_saturated"))) {
                    n++;
                }
            }
            return n;
        }
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static String fmt(double d) {
        if (Double.isNaN(d)) {
            return "—";
        }
        double a = Math.abs(d);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%,.0f", d);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", d);
        }
        return String.format(Locale.ROOT, "%.2f", d);
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    static String jnum(double d) {
        return Double.isNaN(d) || Double.isInfinite(d) ? "null" : String.format(Locale.ROOT, "%.4f", d)
                .replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    static void main(Opts o) throws IOException {
        Path runs = Path.of(o.required("runs"));
        Path outDir = Path.of(o.required("out-dir"));
        String labelA = o.str("a-label", "Pigeon");
        String labelB = o.str("b-label", "Mosquitto");
        Map<String, String> meta = new LinkedHashMap<>();
        String metaFile = o.str("meta", null);
        if (metaFile != null && Files.exists(Path.of(metaFile))) {
            for (String line : Files.readAllLines(Path.of(metaFile))) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    meta.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        }
        // scenario -> broker -> Side
        Map<String, Map<String, Side>> data = new LinkedHashMap<>();
        List<String> rawRuns = new ArrayList<>();
        Map<String, Map<String, String>> runMaps = new LinkedHashMap<>();
        if (Files.exists(runs)) {
            for (String line : Files.readAllLines(runs)) {
                String[] f = line.split("\t", 5);
                if (f.length < 5) {
                    continue;
                }
                int round = Integer.parseInt(f[2]);
                data.computeIfAbsent(f[0], k -> new LinkedHashMap<>())
                        .computeIfAbsent(f[1], k -> new Side())
                        .rounds.computeIfAbsent(round, k -> new LinkedHashMap<>()).put(f[3], f[4]);
                runMaps.computeIfAbsent(f[0] + "\t" + f[1] + "\t" + f[2], k -> new LinkedHashMap<>()).put(f[3], f[4]);
            }
        }
        runMaps.forEach((k, v) -> {
            String[] id = k.split("\t");
            StringBuilder b = new StringBuilder("{\"scenario\":" + json(id[0]) + ",\"broker\":" + json(id[1].equals("A")
                    ? labelA : labelB) + ",\"round\":" + id[2]);
            v.forEach((kk, vv) -> {
                b.append(',').append(json(kk)).append(':');
                boolean numeric = vv.matches("-?\\d+(\\.\\d+)?([eE]-?\\d+)?");
                b.append(numeric ? vv : json(vv));
            });
            rawRuns.add(b.append('}').toString());
        });

        StringBuilder md = new StringBuilder();
        StringBuilder js = new StringBuilder();
        List<String[]> bars = new ArrayList<>(); // label, ratio, verdict, higherBetter, target
        md.append("# Pigeon vs Mosquitto — benchmark results\n\n");
        meta.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append("\nMedians over the rounds, [min–max]. Ratio = ").append(labelA).append(" / ").append(labelB)
                .append(" of the medians. Hard limits (OutOfMemoryError, GC pause) are judged on the worst round.\n\n");
        md.append("| scenario | metric | ").append(labelA).append(" median [min–max] | ").append(labelB)
                .append(" median [min–max] | ratio ").append(labelA).append("/").append(labelB)
                .append(" | target | pass/fail |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        js.append("{\n  \"meta\": {");
        int mi = 0;
        for (var e : meta.entrySet()) {
            js.append(mi++ == 0 ? "" : ", ").append(json(e.getKey())).append(": ").append(json(e.getValue()));
        }
        js.append("},\n  \"labels\": {\"A\": ").append(json(labelA)).append(", \"B\": ").append(json(labelB))
                .append("},\n  \"rows\": [\n");
        List<String> notes = new ArrayList<>();
        int rowCount = 0;
        for (Spec sp : specs()) {
            Map<String, Side> sides = data.get(sp.scenario());
            if (sides == null) {
                continue;
            }
            Side a = sides.getOrDefault("A", new Side());
            Side b = sides.getOrDefault("B", new Side());
            String[] cells = new String[2];
            double[] med = {Double.NaN, Double.NaN};
            double[] worst = {Double.NaN, Double.NaN};
            String[] js2 = new String[2];
            boolean[] failed = new boolean[2];
            Side[] both = {a, b};
            boolean anyValue = false;
            for (int i = 0; i < 2; i++) {
                Side s = both[i];
                String fail = s.failure();
                String unsup = s.unsupported();
                List<Double> v = s.values(sp.metric());
                if (s.rounds.isEmpty()) {
                    cells[i] = "not run";
                    js2[i] = "{\"status\": \"not run\"}";
                } else if (fail != null) {
                    failed[i] = true;
                    cells[i] = fail;
                    js2[i] = "{\"status\": \"FAILED\", \"reason\": " + json(fail) + "}";
                    anyValue = true;
                } else if (unsup != null) {
                    cells[i] = "not supported yet";
                    js2[i] = "{\"status\": \"not supported yet\", \"reason\": " + json(unsup) + "}";
                    anyValue = true;
                } else if (v.isEmpty()) {
                    cells[i] = "n/a";
                    js2[i] = "{\"status\": \"n/a\"}";
                } else {
                    anyValue = true;
                    med[i] = median(v);
                    double mn = v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
                    double mx = v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
                    worst[i] = sp.higherBetter() ? mn : mx;
                    cells[i] = fmt(med[i]) + " [" + fmt(mn) + "–" + fmt(mx) + "]" + (sp.unit().isEmpty() ? "" : " "
                            + sp.unit());
                    if (sp.metric().equals("oom")) {
                        cells[i] = mx > 0 ? "OutOfMemoryError in " + v.stream().filter(d -> d > 0).count() + "/"
                                + v.size() + " rounds" : "none in " + v.size() + " rounds";
                    }
                    int sat = s.saturated();
                    if (sat > 0 && (sp.metric().equals("msgs_per_s") || sp.metric().endsWith("_us"))) {
                        cells[i] += " ⚠ generator-saturated (" + sat + "/" + s.rounds.size() + ")";
                    }
                    StringBuilder vals = new StringBuilder();
                    for (double d : v) {
                        vals.append(vals.length() == 0 ? "" : ", ").append(jnum(d));
                    }
                    js2[i] = "{\"status\": \"ok\", \"median\": " + jnum(med[i]) + ", \"min\": " + jnum(mn)
                            + ", \"max\": " + jnum(mx) + ", \"values\": [" + vals + "], \"generator_saturated_rounds\": "
                            + sat + "}";
                }
            }
            if (!anyValue) {
                continue;
            }
            double ratio = !Double.isNaN(med[0]) && !Double.isNaN(med[1]) && med[1] != 0 ? med[0] / med[1] : Double.NaN;
            String verdict;
            double judged = sp.worst() ? worst[0] : med[0];
            if (sp.target() == Target.NONE) {
                verdict = "—";
            } else if (failed[0]) {
                verdict = "FAIL";
            } else if (a.unsupported() != null) {
                verdict = "—";
            } else {
                Boolean ok = switch (sp.target()) {
                    case RATIO_AT_LEAST -> Double.isNaN(ratio) ? null : ratio >= sp.threshold();
                    case RATIO_AT_MOST -> Double.isNaN(ratio) ? null : ratio <= sp.threshold();
                    case AT_MOST -> Double.isNaN(judged) ? null : judged <= sp.threshold();
                    case BELOW -> Double.isNaN(judged) ? null : judged < sp.threshold();
                    case EQUALS -> Double.isNaN(judged) ? null : judged == sp.threshold();
                    default -> null;
                };
                verdict = ok == null ? "—" : ok ? "pass" : "FAIL";
                if ((a.saturated() > 0 || b.saturated() > 0) && (sp.target() == Target.RATIO_AT_LEAST || sp.target() == Target.RATIO_AT_MOST) && !verdict.equals("—")) {
                    verdict += " (generator-saturated: not conclusive)";
                }
            }
            md.append("| ").append(sp.scenario()).append(" | ").append(sp.label()).append(" | ").append(cells[0])
                    .append(" | ").append(cells[1]).append(" | ")
                    .append(Double.isNaN(ratio) ? "—" : String.format(Locale.ROOT, "%.2f×", ratio))
                    .append(" | ").append(sp.targetText().isEmpty() ? "—" : sp.targetText()).append(" | ")
                    .append(verdict).append(" |\n");
            js.append(rowCount++ == 0 ? "" : ",\n").append("    {\"scenario\": ").append(json(sp.scenario()))
                    .append(", \"metric\": ").append(json(sp.metric())).append(", \"label\": ").append(json(sp.label()))
                    .append(", \"unit\": ").append(json(sp.unit())).append(", \"higher_is_better\": ")
                    .append(sp.higherBetter()).append(", \"A\": ").append(js2[0]).append(", \"B\": ").append(js2[1])
                    .append(", \"ratio\": ").append(jnum(ratio)).append(", \"target\": ")
                    .append(json(sp.targetText())).append(", \"verdict\": ").append(json(verdict)).append('}');
            if (!Double.isNaN(ratio) && !sp.metric().endsWith("cpu_pct")) {
                bars.add(new String[] {sp.scenario() + ": " + sp.label(), Double.toString(ratio), verdict,
                    Boolean.toString(sp.higherBetter()),
                    sp.target() == Target.RATIO_AT_LEAST || sp.target() == Target.RATIO_AT_MOST
                            ? Double.toString(sp.threshold()) : ""});
            }
        }
        js.append("\n  ],\n  \"runs\": [\n    ").append(String.join(",\n    ", rawRuns)).append("\n  ]\n}\n");
        for (var e : data.entrySet()) {
            for (var s : e.getValue().entrySet()) {
                for (var r : s.getValue().rounds.entrySet()) {
                    String note = r.getValue().get("note");
                    String st = r.getValue().getOrDefault("status", "ok");
                    String who = s.getKey().equals("A") ? labelA : labelB;
                    if (note != null) {
                        notes.add(e.getKey() + " round " + r.getKey() + " " + who + ": " + note);
                    }
                    if (!st.equals("ok")) {
                        notes.add(e.getKey() + " round " + r.getKey() + " " + who + ": " + st);
                    }
                    if ("1".equals(r.getValue().get("generator_saturated"))) {
                        notes.add(e.getKey() + " round " + r.getKey() + " " + who + ": generator-saturated (generator"
                                + " CPU " + r.getValue().get("gen_cpu_pct") + "% of " + r.getValue().get("gen_cores")
                                + " core(s)); the broker figure is a lower bound");
                    }
                }
            }
        }
        persistenceCost(data, labelA, md);
        if (!notes.isEmpty()) {
            md.append("\n## Notes\n\n");
            for (String n : notes) {
                md.append("- ").append(n).append('\n');
            }
        }
        md.append("\n![ratios](ratios.svg)\n");
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve("results.md"), md);
        Files.writeString(outDir.resolve("results.json"), js);
        Files.writeString(outDir.resolve("ratios.svg"), svg(bars, labelA, labelB));
        System.out.print(md);
    }

    static String svg(List<String[]> bars, String labelA, String labelB) {
        int rowH = 22;
        int left = 470;
        int barW = 420;
        int top = 50;
        int width = left + barW + 90;
        int height = top + rowH * Math.max(1, bars.size()) + 40;
        double maxRatio = 2;
        for (String[] b : bars) {
            maxRatio = Math.max(maxRatio, Math.min(4, Double.parseDouble(b[1]) * 1.1));
        }
        double scale = barW / maxRatio;
        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append("<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">").append(xml(labelA)).append(" / ")
                .append(xml(labelB)).append(" (medians)</text>\n");
        s.append("<text x=\"10\" y=\"38\" fill=\"#555\">green: target met, red: missed, grey: no target. ↑ higher is"
                + " better, ↓ lower is better. Dashed: target ratio.</text>\n");
        for (double g = 0; g <= maxRatio + 1e-9; g += 0.5) {
            double x = left + g * scale;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n",
                    x, top - 4, x, top + rowH * bars.size(), g == 1.0 ? "#000" : "#ddd"));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">"
                    + "%.1f×</text>\n", x, top + rowH * bars.size() + 16, g));
        }
        for (int i = 0; i < bars.size(); i++) {
            String[] b = bars.get(i);
            double r = Double.parseDouble(b[1]);
            int y = top + i * rowH;
            String color = b[2].equals("pass") ? "#4caf50" : b[2].equals("FAIL") ? "#e53935" : "#9e9e9e";
            double w = Math.min(r, maxRatio) * scale;
            s.append("<text x=\"").append(left - 8).append("\" y=\"").append(y + 15)
                    .append("\" text-anchor=\"end\">").append(xml(b[0])).append(b[3].equals("true") ? " ↑" : " ↓")
                    .append("</text>\n");
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
                    left, y + 3, w, rowH - 6, color));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%.2f×%s</text>\n", left + w + 4, y + 15, r,
                    r > maxRatio ? " ›" : ""));
            if (!b[4].isEmpty()) {
                double tx = left + Double.parseDouble(b[4]) * scale;
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\""
                        + " stroke-dasharray=\"3,2\"/>\n", tx, y + 1, tx, y + rowH - 1));
            }
        }
        s.append("</svg>\n");
        return s.toString();
    }
}
