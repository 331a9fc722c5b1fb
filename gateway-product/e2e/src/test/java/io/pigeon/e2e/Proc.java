package io.pigeon.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * External processes with bounded waits. Output (stdout and stderr merged) goes to a file so that nothing blocks on a
 * full pipe and failures can quote it. Runs on the test thread.
 */
final class Proc implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    final Process process;
    final Path output;
    final List<String> command;

    private Proc(Process process, Path output, List<String> command) {
        this.process = process;
        this.output = output;
        this.command = command;
    }

    /** Starts {@code command} in the background; output goes to a fresh file under the work directory. */
    static Proc start(List<String> command, Path workingDir, Map<String, String> env) {
        try {
            Path dir = Env.workDir().resolve("proc");
            Files.createDirectories(dir);
            String name = Path.of(command.get(0)).getFileName().toString().replaceAll("[^A-Za-z0-9_.-]", "_");
            Path out = dir.resolve(ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-" + name + ".out");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
            if (workingDir != null) {
                pb.directory(workingDir.toFile());
            }
            pb.environment().putAll(env);
            return new Proc(pb.start(), out, List.copyOf(command));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command + ": " + e.getMessage(), e);
        }
    }

    static Proc start(String... command) {
        return start(List.of(command), null, Map.of());
    }

    /** Runs {@code command} to completion; kills it and fails if it takes longer than {@code timeout}. */
    static Result run(Duration timeout, List<String> command, Path workingDir, Map<String, String> env) {
        try (Proc p = start(command, workingDir, env)) {
            return p.await(timeout);
        }
    }

    static Result run(Duration timeout, String... command) {
        return run(timeout, List.of(command), null, Map.of());
    }

    /** Waits for exit; on timeout kills the process and throws with its output. */
    Result await(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s: " + command + "\n--- output ---\n"
                        + output());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new AssertionError("interrupted", e);
        }
        return new Result(command, process.exitValue(), output());
    }

    String output() {
        try {
            return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "<cannot read " + output + ": " + e + ">";
        }
    }

    List<String> lines() {
        return output().lines().toList();
    }

    /** Polls the output until a line matches; fails (quoting the output) if the process exits or the time runs out. */
    Matcher awaitLine(Pattern pattern, Duration timeout) {
        Matcher m = pollLine(pattern, timeout);
        if (m == null) {
            throw new AssertionError("no line matching /" + pattern + "/ within " + timeout.toSeconds() + " s from "
                    + command + (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")")
                    + "\n--- output ---\n" + tail(output(), 60));
        }
        return m;
    }

    /** Like {@link #awaitLine} but returns null instead of failing. */
    Matcher pollLine(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean alive = process.isAlive();
            for (String line : lines()) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (!alive || System.nanoTime() > deadline) {
                return null;
            }
            Sleep.millis(50);
        }
    }

    /** Number of output lines that satisfy {@code filter}. */
    long count(Predicate<String> filter) {
        return lines().stream().filter(filter).count();
    }

    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    static String tail(String text, int lines) {
        List<String> all = new ArrayList<>(text.lines().toList());
        if (all.size() <= lines) {
            return text;
        }
        return "... (" + (all.size() - lines) + " lines above)\n" + String.join("\n", all.subList(all.size() - lines, all.size()));
    }

    record Result(List<String> command, int exitCode, String output) {
        Result assertExit(int expected) {
            if (exitCode != expected) {
                throw new AssertionError(command + " exited with " + exitCode + ", expected " + expected
                        + "\n--- output ---\n" + tail(output, 60));
            }
            return this;
        }

        List<String> lines() {
            return output.lines().toList();
        }
    }
}
