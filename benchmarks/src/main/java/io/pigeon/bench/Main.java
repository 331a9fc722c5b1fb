package io.pigeon.bench;

/**
 * Pigeon's load generator. One sub-command per measurement; each prints "key TAB value" lines (and writes them to
 * --out) for benchmarks/run to collect, and exits 2 when the run failed.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: java -jar pigeon-benchmarks.jar traffic|idle|startup|ready|freeport|report"
                    + " [--option value ...]  (benchmarks/run is the documented entry point)");
            System.exit(64);
        }
        Opts o = new Opts(args, 1);
        Results r;
        switch (args[0]) {
            case "traffic" -> r = Traffic.run(o);
            case "idle" -> r = Idle.run(o);
            case "startup" -> r = Startup.startup(o);
            case "ready" -> r = Startup.ready(o);
            case "freeport" -> {
                System.out.println(Startup.freePort());
                return;
            }
            case "report" -> {
                Report.main(o);
                return;
            }
            default -> {
                System.err.println("unknown sub-command " + args[0]);
                System.exit(64);
                return;
            }
        }
        r.write(o.str("out", null));
        System.out.flush();
        System.exit(r.failed() ? 2 : 0);
    }
}
