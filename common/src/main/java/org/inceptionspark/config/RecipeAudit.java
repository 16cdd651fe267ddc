package org.inceptionspark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compares an effective configuration with the paper's recipe (resource {@code recipe.conf} beside
 * this class) and lists every key that departs from it, so a run that is not the paper's says so
 * before it starts rather than in a results table afterwards.
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

    /** One entry of recipe.conf; key is the full path. */
    public record Entry(String key, Object value, String note, String ifZeroNote) implements Serializable {
    }

    private static final List<Entry> RECIPE = loadRecipe();

    private RecipeAudit() {
    }

    /** The recipe's entries, in recipe.conf's order. */
    public static List<Entry> recipe() {
        return RECIPE;
    }

    /** The departures of {@code config} from the recipe, in recipe.conf's order; empty when it is the paper's setup. */
    public static List<Departure> audit(InceptionConfig config) {
        Map<String, Object> effective = config.toMap();
        List<Departure> departures = new ArrayList<>();
        for (Entry e : RECIPE) {
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

    private static List<Entry> loadRecipe() {
        Config c = ConfigFactory.parseResources(RecipeAudit.class.getClassLoader(), RESOURCE).resolve();
        if (!c.hasPath("recipe")) {
            throw new IllegalStateException("resource " + RESOURCE + " is missing or has no 'recipe' list");
        }
        List<String> known = ConfigLoader.knownKeys();
        List<Entry> entries = new ArrayList<>();
        for (Config item : c.getConfigList("recipe")) {
            String key = ConfigLoader.ROOT + "." + item.getString("key");
            if (!known.contains(key)) {
                // A renamed key would otherwise drop out of the audit silently.
                throw new IllegalStateException(RESOURCE + " names " + key + ", which reference.conf does not define");
            }
            entries.add(new Entry(key, item.getValue("value").unwrapped(), item.getString("note"),
                    item.hasPath("if-zero") ? item.getString("if-zero") : null));
        }
        return List.copyOf(entries);
    }
}
