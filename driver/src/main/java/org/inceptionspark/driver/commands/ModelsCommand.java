package org.inceptionspark.driver.commands;

import org.inceptionspark.driver.*;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.inceptionspark.driver.cli.CliArgs;
import org.inceptionspark.config.ModelConfig;
import org.inceptionspark.model.ModelSummary;
import org.inceptionspark.model.ModelZoo;

/**
 * {@code inception-spark models [--classes K]}: the size and cost of every network in the zoo,
 * computed from the configurations the trainer would build (nothing is allocated).
 */
public final class ModelsCommand implements Command {
    private final PrintStream out;

    public ModelsCommand() {
        this(System.out);
    }

    ModelsCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public int run(String[] args) {
        CliArgs cli = CliArgs.parse(args, Set.of("classes"), Set.of());
        int classes = cli.intOption("classes", 1000);
        if (classes < 1) {
            throw new IllegalArgumentException("--classes must be at least 1, got " + classes);
        }
        out.printf("%-14s %5s %7s %-18s %13s %13s %15s%n",
                "model", "input", "classes", "heads", "trainable", "total params", "multiply-adds");
        for (ModelConfig spec : rows(classes)) {
            ModelSummary s = ModelZoo.summarize(spec);
            out.printf("%-14s %5d %7d %-18s %,13d %,13d %,15d%n", s.name(), s.inputSize(), s.classes(),
                    heads(spec), s.trainableParameters(), s.totalParameters(), s.multiplyAdds());
        }
        out.println("total params = trainable + batch-norm moving mean/variance; multiply-adds per image,"
                + " every head included; inception_v3 uses shift-only batch norm.");
        return 0;
    }

    /** The rows printed: the reference network first, with and without its auxiliary head. */
    static List<ModelConfig> rows(int classes) {
        ModelConfig v3 = ModelConfig.paper(ModelConfig.INCEPTION_V3, classes);
        List<ModelConfig> rows = new ArrayList<>();
        rows.add(v3.with("aux-head", false));
        rows.add(v3);
        rows.add(v3.with("input-size", 151).with("aux-head", false));
        rows.add(v3.with("input-size", 79).with("aux-head", false));
        rows.add(ModelConfig.paper(ModelConfig.GOOGLENET, classes).with("aux-head", false));
        rows.add(ModelConfig.paper(ModelConfig.GOOGLENET, classes));
        for (String name : ModelZoo.names()) {
            if (name.startsWith("vgg_")) {
                rows.add(ModelConfig.paper(name, classes));
            }
        }
        return rows;
    }

    private static String heads(ModelConfig spec) {
        if (!spec.auxHead()) {
            return "main (no aux)";
        }
        int auxHeads = spec.name().equals("googlenet") ? 2 : 1;
        return "main + " + auxHeads + " aux x" + spec.auxLossWeight();
    }
}
