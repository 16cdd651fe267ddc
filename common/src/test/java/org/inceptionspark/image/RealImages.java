package org.inceptionspark.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The committed real Fashion-MNIST images under testdata/. */
final class RealImages {
    private RealImages() {
    }

    static Path root() {
        String root = System.getProperty("inception.repo.root");
        return (root != null ? Paths.get(root) : Paths.get("..")).resolve("testdata/fashion-mnist-20");
    }

    static byte[] png(String cls, int i) throws IOException {
        return Files.readAllBytes(root().resolve(cls).resolve(String.format("%05d.png", i)));
    }
}
