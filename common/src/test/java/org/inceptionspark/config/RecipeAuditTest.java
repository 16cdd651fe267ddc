package org.inceptionspark.config;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeAuditTest {

    @Test
    void defaultsDepartOnlyInReplicaCountWhichIsDecidedAtStartup() {
        List<RecipeAudit.Departure> d = RecipeAudit.audit(ConfigLoader.defaults());
        assertEquals(1, d.size(), d.toString());
        RecipeAudit.Departure replicas = d.get(0);
        assertEquals("inception.cluster.replicas", replicas.key());
        assertEquals("50", replicas.recipeValue());
        assertEquals("0", replicas.effectiveValue());
        assertTrue(replicas.note().contains("decided at start-up"), replicas.note());
    }

    @Test
    void aChangedValueIsReportedWithBothValuesAndWhyItMatters() {
        InceptionConfig c = ConfigLoader.defaults().with(Map.of("cluster.replicas", 50,
                "optimizer.rmsprop.epsilon", 1e-10, "cluster.combine", "sum", "model.weight-decay", 1e-4));
        List<RecipeAudit.Departure> d = RecipeAudit.audit(c);
        assertEquals(List.of("inception.model.weight-decay", "inception.cluster.combine", "inception.optimizer.rmsprop.epsilon"),
                d.stream().map(RecipeAudit.Departure::key).toList());
        assertEquals("4e-5", d.get(0).recipeValue());
        assertEquals("1e-4", d.get(0).effectiveValue());
        assertEquals("\"mean\"", d.get(1).recipeValue());
        assertEquals("\"sum\"", d.get(1).effectiveValue());
        assertEquals("1e-10", d.get(2).effectiveValue());
        assertTrue(d.get(2).note().length() > 10);
        assertEquals(List.of(), RecipeAudit.audit(c.with(Map.of("optimizer.rmsprop.epsilon", 1.0, "cluster.combine", "mean",
                "model.weight-decay", 4e-5))));
    }

    @Test
    void recipeValuesAreThemselvesAValidConfiguration() {
        Map<String, Object> recipe = new LinkedHashMap<>();
        RecipeAudit.recipe().forEach(e -> recipe.put(e.key(), e.value()));
        InceptionConfig c = ConfigLoader.defaults().with(recipe);
        assertEquals(List.of(), RecipeAudit.audit(c));
        assertTrue(RecipeAudit.recipe().size() >= 40);
    }
}
