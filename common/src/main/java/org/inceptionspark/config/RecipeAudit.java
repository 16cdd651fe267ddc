package org.inceptionspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares an effective configuration with its paper's recipe (resource {@code recipe.conf} beside
 * this class: one recipe per seed system, chosen by {@code model.name}) and lists every key that
 * departs from it, so a run that is not the paper's says so before it starts rather than in a
 * results table afterwards. What a paper did that no key can express is listed with the recipe as
 * its {@linkplain Recipe#engineDepartures() engine departures}.
 */
public final class RecipeAudit {
    private static final String RESOURCE = "org/inceptionspark/config/recipe.conf";
    /** 4/3 is written 1.3333333; any tighter and the reference default would count as a departure. */
    private static final double RELATIVE_TOLERANCE = 1e-6;

    /** One key whose effective value is not the recipe's. Values are shown as in a .conf file. */
    public record Departure(String key, String recipeValue, String effectiveValue, String note) implements Serializable {
        @Override
        public String toString() {
            return key + ": recipe " + recipeValue + ", effective " + effectiveValue + " - " + note;
        }
    }

    /** One entry of a recipe; key is the full path. */
    public record Entry(String key, Object value, String note, String ifZeroNote) implements Serializable {
    }

    /** What the paper did that no configuration key expresses, what this engine does instead, and why. */
    public record EngineDeparture(String what, String paper, String here, String reason) implements Serializable {
        @Override
        public String toString() {
            return what + ": paper " + paper + "; here " + here + " - " + reason;
        }
    }

    /** One paper's recipe: the models it covers, its key entries and its engine departures. */
    public record Recipe(List<String> models, String title, List<Entry> entries, List<EngineDeparture> engineDepartures)
            implements Serializable {
    }

    private static final List<Recipe> RECIPES = loadRecipes();

    private RecipeAudit() {
    }

    /** Inception-v3's entries (the default model's recipe), in recipe.conf's order. */
    public static List<Entry> recipe() {
        return recipeFor(ModelConfig.INCEPTION_V3).entries();
    }

    /** The recipe of the paper that describes model {@code modelName}. */
    public static Recipe recipeFor(String modelName) {
        for (Recipe r : RECIPES) {
            if (r.models().contains(modelName)) {
                return r;
            }
        }
        throw new IllegalArgumentException("no recipe in " + RESOURCE + " covers model " + modelName);
    }

    /** The recipe {@code config} is audited against: its model's paper. */
    public static Recipe recipeFor(InceptionConfig config) {
        return recipeFor(config.model().name());
    }

    /**
     * The departures of {@code config} from its model's recipe, in recipe.conf's order; empty when
     * every key the paper fixes has the paper's value.
     */
    public static List<Departure> audit(InceptionConfig config) {
        Map<String, Object> effective = config.toMap();
        List<Departure> departures = new ArrayList<>();
        for (Entry e : recipeFor(config).entries()) {
            Object actual = effective.get(e.key());
            if (same(e.value(), actual)) {
                continue;
            }
            boolean zero = actual instanceof Number n && n.doubleValue() == 0;
            String note = zero && e.ifZeroNote() != null ? e.ifZeroNote() : e.note();
            // HOCON reads 1.0 as the integer 1: show the recipe's number in the key's own type.
            Object recipe = actual instanceof Double && e.value() instanceof Number n ? (Object) n.doubleValue() : e.value();
            departures.add(new Departure(e.key(), ConfigValueFormat.format(recipe), ConfigValueFormat.format(actual), note));
        }
        return departures;
    }

    private static boolean same(Object recipe, Object actual) {
        if (recipe instanceof Number r && actual instanceof Number a) {
            double x = r.doubleValue();
            double y = a.doubleValue();
            return Math.abs(x - y) <= RELATIVE_TOLERANCE * Math.max(Math.abs(x), Math.abs(y));
        }
        return Objects.equals(recipe, actual);
    }

    private static List<Recipe> loadRecipes() {
        Config c = ConfigFactory.parseResources(RecipeAudit.class.getClassLoader(), RESOURCE).resolve();
        if (!c.hasPath("recipes")) {
            throw new IllegalStateException("resource " + RESOURCE + " is missing or has no 'recipes' list");
        }
        List<String> known = ConfigLoader.knownKeys();
        List<Recipe> recipes = new ArrayList<>();
        List<String> covered = new ArrayList<>();
        for (Config r : c.getConfigList("recipes")) {
            List<String> models = r.getStringList("models");
            for (String m : models) {
                if (!ModelConfig.NAMES.contains(m) || covered.contains(m)) {
                    throw new IllegalStateException(RESOURCE + ": model " + m + " is unknown or in two recipes");
                }
                covered.add(m);
            }
            List<Entry> entries = new ArrayList<>();
            for (Config item : r.getConfigList("entries")) {
                String key = ConfigLoader.ROOT + "." + item.getString("key");
                if (!known.contains(key)) {
                    // A renamed key would otherwise drop out of the audit silently.
                    throw new IllegalStateException(RESOURCE + " names " + key + ", which reference.conf does not define");
                }
                entries.add(new Entry(key, item.getValue("value").unwrapped(), item.getString("note"),
                        item.hasPath("if-zero") ? item.getString("if-zero") : null));
            }
            List<EngineDeparture> engine = new ArrayList<>();
            for (Config d : r.getConfigList("engine-departures")) {
                engine.add(new EngineDeparture(d.getString("what"), d.getString("paper"), d.getString("here"),
                        d.getString("reason")));
            }
            recipes.add(new Recipe(List.copyOf(models), r.getString("title"), List.copyOf(entries), List.copyOf(engine)));
        }
        if (!covered.containsAll(ModelConfig.NAMES)) {
            throw new IllegalStateException(RESOURCE + " has no recipe for some of " + ModelConfig.NAMES);
        }
        return List.copyOf(recipes);
    }
}
