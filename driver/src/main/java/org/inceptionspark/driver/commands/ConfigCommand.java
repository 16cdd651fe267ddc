package org.inceptionspark.driver.commands;

import org.inceptionspark.driver.*;

import org.inceptionspark.config.ConfigValueFormat;
import org.inceptionspark.config.LoadedConfig;
import org.inceptionspark.config.InceptionConfig;
import org.inceptionspark.config.RecipeAudit;
import org.inceptionspark.config.ShortRunWarnings;
import org.inceptionspark.config.ValueOrigin;
import org.inceptionspark.worker.data.PackedDataset;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.driver.cli.ConfigArgs;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code inception-spark config [--config FILE] [-Dkey=value ...]}: prints the effective
 * configuration, each value with the layer it came from, then how it departs from its model's
 * paper's recipe ({@link RecipeAudit}): what the engine cannot do as the paper did, then each key.
 * Lets a user check a run before spending a cluster on it. Exit 2 on an invalid configuration.
 */
public final class ConfigCommand implements Command {
    private final PrintStream out;
    private final PrintStream err;

    public ConfigCommand() {
        this(System.out, System.err);
    }

    ConfigCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public int run(String[] args) {
        CliArgs cli = CliArgs.parse(args, Set.of(ConfigArgs.OPTION), Set.of());
        if (!cli.positional().isEmpty()) {
            throw new IllegalArgumentException("unexpected argument(s) " + cli.positional()
                    + "; usage: inception-spark config [--config FILE] [-Dkey=value ...]");
        }
        LoadedConfig loaded = ConfigArgs.load(cli);
        printEffective(loaded, cli.option(ConfigArgs.OPTION).orElse(null));
        out.println();
        printDepartures(loaded, RecipeAudit.audit(loaded.config()));
        printShortRunWarnings(loaded.config());
        return 0;
    }

    private void printEffective(LoadedConfig loaded, String file) {
        out.println("# effective configuration: reference.conf" + (file == null ? "" : " < " + file) + " < -D overrides");
        List<String> assignments = new ArrayList<>();
        List<String> origins = new ArrayList<>();
        for (Map.Entry<String, Object> e : loaded.config().toMap().entrySet()) {
            assignments.add(e.getKey() + " = " + ConfigValueFormat.format(e.getValue()));
            origins.add(loaded.origin(e.getKey()).description());
        }
        int width = assignments.stream().mapToInt(String::length).max().orElse(0);
        for (int i = 0; i < assignments.size(); i++) {
            out.println(String.format("%-" + width + "s  # %s", assignments.get(i), origins.get(i)));
        }
    }

    private void printDepartures(LoadedConfig loaded, List<RecipeAudit.Departure> departures) {
        RecipeAudit.Recipe recipe = RecipeAudit.recipeFor(loaded.config());
        out.println("# recipe audited (model.name = " + loaded.config().model().name() + "): " + recipe.title());
        if (!recipe.engineDepartures().isEmpty()) {
            out.println("# " + recipe.engineDepartures().size() + " departures of this engine from the paper, whatever the keys:");
            for (RecipeAudit.EngineDeparture d : recipe.engineDepartures()) {
                out.println("engine: " + d);
            }
        }
        if (departures.isEmpty()) {
            out.println("# no departure from the paper's recipe");
            return;
        }
        out.println("# " + departures.size() + (departures.size() == 1 ? " departure" : " departures")
                + " from the paper's recipe (docs/recipe.md):");
        for (RecipeAudit.Departure d : departures) {
            out.println(d.key() + ": recipe " + d.recipeValue() + ", effective " + d.effectiveValue() + " - " + d.note());
            reason(loaded, d.key()).ifPresent(r -> out.println("    reason (" + loaded.origin(d.key()).description() + "): " + r));
        }
    }

    /** The comment on the line(s) just above a key in the file that set it: a configuration's own reason for a value. */
    static Optional<String> reason(LoadedConfig loaded, String key) {
        if (loaded.origin(key).layer() != ValueOrigin.Layer.FILE || !loaded.raw().hasPath(key)) {
            return Optional.empty();
        }
        List<String> comments = loaded.raw().getValue(key).origin().comments();
        String text = String.join(" ", comments.stream().map(String::strip).filter(l -> !l.isEmpty()).toList());
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /** {@link ShortRunWarnings} for the run's length, when the configuration fixes it or its training data is there. */
    private void printShortRunWarnings(InceptionConfig c) {
        long steps = c.schedule().maxSteps();
        if (steps <= 0) {
            if (c.cluster().replicasDecidedAtStartup() || c.data().train().isEmpty()) {
                return;
            }
            try (PackedDataset ds = PackedDataset.open(c.data().train(), new org.apache.hadoop.conf.Configuration())) {
                steps = c.schedule().totalSteps(ds.numImages(), (long) c.cluster().replicas() * c.cluster().batchPerReplica());
            } catch (java.io.IOException | RuntimeException e) {
                return;
            }
        }
        List<String> warnings = ShortRunWarnings.of(c, steps);
        if (!warnings.isEmpty()) {
            out.println();
            warnings.forEach(out::println);
        }
    }
}
