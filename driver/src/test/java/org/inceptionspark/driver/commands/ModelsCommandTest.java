package org.inceptionspark.driver.commands;

import org.inceptionspark.driver.*;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelsCommandTest {

    private static List<String> run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertEquals(0, new ModelsCommand(new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(args));
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void printsOneRowPerNetworkWithKerasCountFirst() {
        List<String> lines = run("--classes", "1000");
        assertEquals(1 + 11 + 1, lines.size(), String.join("\n", lines));
        String first = lines.get(1);
        assertTrue(first.startsWith("inception_v3") && first.contains("no aux") && first.contains("23,851,784"), first);
        assertTrue(lines.get(11).startsWith("vgg_e") && lines.get(11).contains("143,667,240"), lines.get(11));
    }

    @Test
    void classesChangeTheClassifiers() {
        String first = run("--classes", "10").get(1);
        // 23,851,784 - 2048 x 990 weights - 990 biases.
        assertTrue(first.contains(String.format("%,d", 23_851_784L - 2048L * 990 - 990)), first);
    }

    @Test
    void rejectsUnknownOptions() {
        assertThrows(IllegalArgumentException.class, () -> new ModelsCommand().run(new String[]{"--clases", "3"}));
    }
}
