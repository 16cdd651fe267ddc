package org.inceptionspark.driver.commands;

import org.inceptionspark.driver.registry.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.train.RunLock;

/**
 * {@code registry --registry DIR [list | show V | rollback V]}: the versions of a model registry,
 * one version's metadata, or moving {@code current} back to an earlier version (under the
 * registry's lock, so never in the middle of a retrain's promotion).
 */
public final class RegistryCommand implements Command {
    private final PrintStream out;

    public RegistryCommand() {
        this(System.out);
    }

    public RegistryCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(String[] argv) throws Exception {
        CliArgs args;
        ModelRegistry registry;
        List<String> words;
        try {
            args = CliArgs.parse(argv, Set.of("registry"), Set.of());
            registry = new ModelRegistry(args.require("registry"), new Configuration());
            words = args.positional();
            String action = words.isEmpty() ? "list" : words.get(0);
            int expected = action.equals("list") ? 1 : 2;
            if (!Set.of("list", "show", "rollback").contains(action) || words.size() > expected
                    || (expected == 2 && words.size() < 2)) {
                throw new IllegalArgumentException("usage: registry --registry DIR [list | show VERSION | rollback VERSION]");
            }
            return switch (action) {
                case "show" -> show(registry, registry.resolve(words.get(1)));
                case "rollback" -> rollback(registry, registry.resolve(words.get(1)));
                default -> list(registry);
            };
        } catch (ModelRegistry.BusyException e) {
            System.err.println("registry: " + e.getMessage());
            return RetrainCommand.EXIT_BUSY;
        }
    }

    private int list(ModelRegistry registry) throws Exception {
        Optional<String> current = registry.current();
        List<String> versions = registry.versions();
        out.printf("registry %s: %d versions, current %s%n", registry.location(), versions.size(), current.orElse("none"));
        for (String v : versions) {
            JsonNode m = registry.metadata(v);
            JsonNode metrics = m.path("metrics");
            out.printf(Locale.ROOT, "%s %-6s %s  top-1 error %6.2f%%  top-5 error %6.2f%%  parent %-6s run %s%n",
                    current.filter(v::equals).isPresent() ? "*" : " ", v, m.path("time").asText(),
                    100 * metrics.path("top1Error").asDouble(), 100 * metrics.path("top5Error").asDouble(),
                    m.path("parent").isNull() ? "-" : m.path("parent").asText(), m.path("run").path("name").asText());
        }
        return 0;
    }

    private int show(ModelRegistry registry, String version) throws Exception {
        out.printf("%s%s in %s%n", version, registry.current().filter(version::equals).isPresent() ? " (current)" : "",
                registry.versionDir(version));
        out.println(ModelRegistry.json(registry.metadata(version)));
        return 0;
    }

    private int rollback(ModelRegistry registry, String version) throws Exception {
        try (RunLock lock = registry.lock("rollback to " + version)) {
            String before = registry.current().orElse("none");
            registry.setCurrent(version);
            out.printf("current: %s -> %s in %s%n", before, version, registry.location());
        }
        return 0;
    }
}
