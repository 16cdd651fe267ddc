package org.inceptionspark.driver.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.inceptionspark.image.ImageRecord;
import org.inceptionspark.worker.data.SkippedFile;
import org.inceptionspark.worker.data.SourceImage;

/**
 * The input of `pack`, listed on the driver before any Spark work: either a class-folder tree
 * (SRC/&lt;class&gt;/**) or a CSV/TSV file of {@code path,label} lines (paths relative to the listing's
 * folder or absolute URIs; an optional {@code path,label} header). Classes are indexed in sorted
 * name order. Listing problems that make the whole input wrong (missing path, empty class folder,
 * no images at all) throw {@link IllegalArgumentException} naming the path.
 *
 * <p>A pack stays inside its root ({@link Scope}): a listing line that is absolute, has a scheme or
 * a {@code ..} segment fails the listing, every such line named, unless the scope allows paths
 * outside; symbolic links under a class-folder tree are not followed but skipped and named, or,
 * with {@link Scope#followLinks}, followed with each real folder and file listed once, so that a
 * {@code loop -> ..} ends and no image is packed twice (into both train and validation).
 */
public final class SourceListing {
    /**
     * How far a listing may reach.
     *
     * @param outsideRoot  accept listing lines that are absolute, carry a scheme or go up with {@code ..}
     * @param followLinks  follow symbolic links under a class-folder tree (each real folder and file once)
     */
    public record Scope(boolean outsideRoot, boolean followLinks) {
        /** Inside the root, links not followed. */
        public static final Scope CONFINED = new Scope(false, false);
    }

    private final List<String> classNames;
    private final Map<String, String> classLabels;
    private final List<SourceImage> images;
    private final List<SkippedFile> skipped;

    private SourceListing(List<String> classNames, Map<String, String> classLabels, List<SourceImage> images,
                          List<SkippedFile> skipped) {
        this.classNames = classNames;
        this.classLabels = classLabels;
        this.images = images;
        this.skipped = skipped;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** Human-readable label of a class name (the name itself when no labels file gave one). */
    public String labelOf(String className) {
        return classLabels.getOrDefault(className, className);
    }

    /** Every candidate image, sorted by image id, so shards mix classes and the order is reproducible. */
    public List<SourceImage> images() {
        return images;
    }

    /** Files rejected while listing (e.g. outside any class folder). */
    public List<SkippedFile> skipped() {
        return skipped;
    }

    public static SourceListing scan(FileSystem fs, Path src, Map<String, String> labels) throws IOException {
        return scan(fs, src, labels, Scope.CONFINED);
    }

    public static SourceListing scan(FileSystem fs, Path src, Map<String, String> labels, Scope scope) throws IOException {
        FileStatus st;
        try {
            st = fs.getFileStatus(src);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("input path does not exist: " + src);
        }
        return st.isDirectory() ? scanFolders(fs, st.getPath(), labels, new Links(fs, scope.followLinks()))
                : scanListing(fs, st.getPath(), labels, scope.outsideRoot());
    }

    private static SourceListing scanFolders(FileSystem fs, Path root, Map<String, String> labels, Links links)
            throws IOException {
        List<String> classes = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>();
        links.firstVisit(root);
        for (FileStatus child : fs.listStatus(root)) {
            String name = child.getPath().getName();
            if (hidden(name)) {
                continue;
            }
            String refused = links.refusal(child);
            if (refused != null) {
                skipped.add(new SkippedFile(child.getPath().toString(), refused));
            } else if (child.isDirectory()) {
                classes.add(name);
            } else if (!name.equals("labels.tsv")) {
                skipped.add(new SkippedFile(child.getPath().toString(), "not inside a class folder"));
            }
        }
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("no class folders under " + root
                    + ": expected one sub-folder per class holding JPEG/PNG files");
        }
        classes.sort(Comparator.naturalOrder());
        List<SourceImage> images = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            Path dir = new Path(root, classes.get(label));
            int before = images.size();
            List<Path> files = new ArrayList<>();
            listRecursively(fs, dir, files, links, skipped);
            for (Path p : files) {
                String rel = relative(root, p);
                images.add(new SourceImage(p.toString(), rel, label, ImageRecord.idOf(rel)));
            }
            if (images.size() == before) {
                throw new IllegalArgumentException("class folder is empty: " + dir
                        + " (every class needs at least one image; remove the folder or add images)");
            }
        }
        return finish(classes, labels, images, skipped);
    }

    private static SourceListing scanListing(FileSystem fs, Path listing, Map<String, String> labels, boolean outsideRoot)
            throws IOException {
        String sep = listing.getName().endsWith(".tsv") ? "\t" : ",";
        String text;
        try (var in = fs.open(listing)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path base = listing.getParent();
        List<String[]> rows = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#") || (i == 0 && line.equalsIgnoreCase("path" + sep + "label"))) {
                continue;
            }
            int cut = line.lastIndexOf(sep);
            if (cut <= 0 || cut == line.length() - 1) {
                throw new IllegalArgumentException(listing + " line " + (i + 1) + ": expected 'path" + sep
                        + "label', got '" + line + "'");
            }
            String path = line.substring(0, cut).strip();
            String outside = outsideRoot ? null : outside(path);
            if (outside != null) {
                refused.add(listing + " line " + (i + 1) + ": " + path + ": " + outside);
                continue;
            }
            rows.add(new String[]{path, line.substring(cut + 1).strip()});
        }
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException(refused.size() + " listing line(s) reach outside the listing's folder "
                    + base + " (add --allow-outside-root if that is intended):\n  " + String.join("\n  ", refused));
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("listing has no images: " + listing);
        }
        List<String> classes = new ArrayList<>(new TreeSet<>(rows.stream().map(r -> r[1]).toList()));
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            index.put(classes.get(i), i);
        }
        List<SourceImage> images = new ArrayList<>();
        for (String[] r : rows) {
            Path p = new Path(r[0]).isAbsolute() || r[0].contains("://") ? new Path(r[0]) : new Path(base, r[0]);
            images.add(new SourceImage(fs.makeQualified(p).toString(), r[0], index.get(r[1]), ImageRecord.idOf(r[0])));
        }
        return finish(classes, labels, images, new ArrayList<>());
    }

    private static SourceListing finish(List<String> classes, Map<String, String> labels, List<SourceImage> images,
                                        List<SkippedFile> skipped) {
        images.sort(Comparator.comparingLong(SourceImage::imageId).thenComparing(SourceImage::relativePath));
        for (int i = 1; i < images.size(); i++) {
            if (images.get(i).imageId() == images.get(i - 1).imageId()) {
                throw new IllegalArgumentException("two inputs share an image id: " + images.get(i - 1).uri()
                        + " and " + images.get(i).uri() + " (duplicate listing line?)");
            }
        }
        return new SourceListing(List.copyOf(classes), new LinkedHashMap<>(labels), images, skipped);
    }

    /**
     * listStatus, not listFiles: on the local file system listFiles' LocatedFileStatus asks every
     * file for its permissions, which Hadoop answers by forking a shell per file.
     */
    private static void listRecursively(FileSystem fs, Path dir, List<Path> out, Links links, List<SkippedFile> skipped)
            throws IOException {
        for (FileStatus st : fs.listStatus(dir)) {
            if (hidden(st.getPath().getName())) {
                continue;
            }
            String refused = links.refusal(st);
            if (refused != null) {
                skipped.add(new SkippedFile(st.getPath().toString(), refused));
            } else if (st.isDirectory()) {
                listRecursively(fs, st.getPath(), out, links, skipped);
            } else {
                out.add(st.getPath());
            }
        }
    }

    /** Why a listing line's path leaves the listing's folder, or null when it does not. */
    static String outside(String path) {
        if (path.contains("://") || path.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
            return "has a scheme (a URI, not a path under the listing's folder)";
        }
        if (path.startsWith("/") || path.startsWith("\\")) {
            return "absolute path";
        }
        for (String segment : path.split("[/\\\\]")) {
            if (segment.equals("..")) {
                return "'..' segment";
            }
        }
        return null;
    }

    /**
     * Symbolic links under a class-folder tree. Hadoop's listStatus follows links on the local file
     * system and reports them as what they point to, so links are recognised through java.nio there;
     * other file systems report them as links. Not following: every link is refused. Following: each
     * real folder and file is listed once, the first time it is reached (a loop ends, a second
     * way to one image is named).
     */
    private static final class Links {
        private final FileSystem fs;
        private final boolean follow;
        private final Map<String, String> seen = new HashMap<>();

        Links(FileSystem fs, boolean follow) {
            this.fs = fs;
            this.follow = follow;
        }

        void firstVisit(Path root) throws IOException {
            seen.put(real(root), root.toString());
        }

        /** Null to take the entry, else why it is skipped. */
        String refusal(FileStatus st) throws IOException {
            boolean link = st.isSymlink() || isLocalLink(st.getPath());
            if (link && !follow) {
                return "symbolic link, not followed (--follow-links to follow links, each real folder and file once)";
            }
            if (!link && !follow) {
                return null;
            }
            String real = real(st.getPath());
            String first = seen.putIfAbsent(real, st.getPath().toString());
            return first == null ? null : (st.isDirectory() ? "folder " : "file ") + real + " already listed as " + first
                    + (st.isDirectory() ? " (a link loop or a second link to it)" : "");
        }

        private boolean isLocalLink(Path p) {
            return "file".equals(fs.getUri().getScheme()) && Files.isSymbolicLink(java.nio.file.Path.of(p.toUri()));
        }

        private String real(Path p) throws IOException {
            if ("file".equals(fs.getUri().getScheme())) {
                return java.nio.file.Path.of(p.toUri()).toRealPath().toString();
            }
            return fs.resolvePath(p).toString();
        }
    }

    private static String relative(Path root, Path p) {
        String r = root.toUri().getPath();
        String s = p.toUri().getPath();
        return s.startsWith(r + "/") ? s.substring(r.length() + 1) : s;
    }

    private static boolean hidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }
}
