package org.inceptionspark.driver.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.inceptionspark.driver.commands.PackCommand;
import org.inceptionspark.worker.data.SkippedFile;
import org.inceptionspark.worker.data.SourceImage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `pack` stays inside its root: hostile listings are refused line by line, links are not followed or followed once. */
class SourceListingTest {
    @TempDir
    Path tmp;
    private FileSystem local;
    private Path src;

    @BeforeEach
    void tree() throws Exception {
        local = FileSystem.getLocal(new Configuration());
        src = Files.createDirectories(tmp.resolve("src"));
        for (String c : List.of("00_tshirt_top", "01_trouser")) {
            Path dir = Files.createDirectories(src.resolve(c));
            for (int i = 0; i < 3; i++) {
                String name = String.format("%05d.png", i);
                Files.copy(TestData.fashionSubset().resolve(c).resolve(name), dir.resolve(name));
            }
        }
    }

    private SourceListing scan(Path p, SourceListing.Scope scope) throws Exception {
        return SourceListing.scan(local, new org.apache.hadoop.fs.Path(p.toUri()), Map.of(), scope);
    }

    private static Set<String> relativePaths(SourceListing l) {
        return l.images().stream().map(SourceImage::relativePath).collect(Collectors.toSet());
    }

    @Test
    void aLoopToTheParentIsNotFollowedAndNamed() throws Exception {
        Path loop = Files.createSymbolicLink(src.resolve("01_trouser/loop"), Path.of(".."));
        SourceListing l = scan(src, SourceListing.Scope.CONFINED);
        assertEquals(6, l.images().size());
        SkippedFile s = l.skipped().stream().filter(f -> f.path().endsWith("01_trouser/loop")).findFirst().orElseThrow(
                () -> new AssertionError("the link is named: " + l.skipped()));
        assertTrue(s.reason().contains("symbolic link, not followed"), s.reason());
        assertTrue(Files.isSymbolicLink(loop));
    }

    @Test
    void followingLinksListsEachRealFolderAndFileOnce() throws Exception {
        Files.createSymbolicLink(src.resolve("01_trouser/loop"), Path.of(".."));
        // a second way to the same images: packed twice, they could land in both train and validation
        Files.createSymbolicLink(src.resolve("00_tshirt_top/trousers-again"), Path.of("../01_trouser"));
        Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.copy(TestData.fashionSubset().resolve("08_bag/00000.png"), outside.resolve("bag.png"));
        Files.createSymbolicLink(src.resolve("01_trouser/linked"), outside);

        SourceListing l = scan(src, new SourceListing.Scope(false, true));
        Set<String> paths = relativePaths(l);
        assertEquals(7, l.images().size(), paths.toString());
        assertTrue(paths.contains("01_trouser/linked/bag.png"), "a link to a new folder is followed once: " + paths);
        assertEquals(new HashSet<>(l.images()).size(), l.images().size());
        List<String> skipped = l.skipped().stream().map(f -> f.path() + ": " + f.reason()).toList();
        assertTrue(skipped.stream().anyMatch(x -> x.contains("01_trouser/loop: folder") && x.contains("already listed")),
                skipped.toString());
        assertTrue(skipped.stream().anyMatch(x -> x.contains("00_tshirt_top/trousers-again: folder") && x.contains("already listed")),
                skipped.toString());
    }

    @Test
    void aHostileListingIsRefusedNamingEveryLine() throws Exception {
        Path listing = src.resolve("list.csv");
        Files.writeString(listing, String.join("\n",
                "path,label",
                "00_tshirt_top/00000.png,shirt",
                "/etc/passwd,secret",
                "file:///etc/shadow,secret",
                "hdfs://elsewhere:8020/data/x.png,other",
                "../outside.png,up",
                "01_trouser/../../escape.png,up",
                "01_trouser/00001.png,trouser"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scan(listing, SourceListing.Scope.CONFINED));
        String m = e.getMessage();
        assertTrue(m.startsWith("5 listing line(s) reach outside"), m);
        for (String line : List.of("line 3: /etc/passwd: absolute path", "line 4: file:///etc/shadow: has a scheme",
                "line 5: hdfs://elsewhere:8020/data/x.png: has a scheme", "line 6: ../outside.png: '..' segment",
                "line 7: 01_trouser/../../escape.png: '..' segment")) {
            assertTrue(m.contains(line), line + " in\n" + m);
        }
        assertFalse(m.contains("00_tshirt_top/00000.png"), m);

        // the flag lets a listing point elsewhere on purpose
        Files.writeString(listing, "path,label\n" + src.resolve("01_trouser/00001.png") + ",trouser\n00_tshirt_top/00000.png,shirt\n");
        assertEquals(2, scan(listing, new SourceListing.Scope(true, false)).images().size());
    }

    @Test
    void packRefusesTheHostileListingBeforeSparkStarts() throws Exception {
        Path listing = src.resolve("list.tsv");
        Files.writeString(listing, "00_tshirt_top/00000.png\tshirt\n../../etc/passwd\tsecret\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        int rc;
        try (PrintStream capture = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            rc = org.inceptionspark.driver.Main.run("pack", new PackCommand(), new String[]{"--images", listing.toString(),
                    "--out", tmp.resolve("out").toString(), "--shards", "1"}, System.err);
        } finally {
            System.setErr(original);
        }
        String printed = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, rc, printed);
        assertTrue(printed.contains("line 2: ../../etc/passwd: '..' segment"), printed);
        assertTrue(printed.contains("--allow-outside-root"), printed);
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }
}
