package io.pigeon.console.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;

/**
 * What each console user published from the page, newest first, at most {@value #PER_USER} per user, in
 * {@code data/console/publish-history.json} (0600), so that the page can send one again with one click. Sending the
 * same message again moves it to the top rather than adding a copy.
 */
@Component(service = PublishHistory.class)
public final class PublishHistory {

    static final String FILE = "publish-history.json";
    static final int PER_USER = 50;

    private final Path file;
    private final Logger log;
    private final Clock clock;
    private final Map<String, List<PublishRequest>> byUser = new LinkedHashMap<>();

    @Activate
    public PublishHistory(BundleContext context, @Reference(service = LoggerFactory.class) Logger log)
            throws IOException {
        this(DataFolder.of(context).resolve(FILE), log, Clock.systemUTC());
    }

    PublishHistory(Path file, Logger log, Clock clock) throws IOException {
        this.file = file;
        this.log = log;
        this.clock = clock;
        if (Files.exists(file)) {
            try {
                Map<String, List<PublishRequest>> read = Json.GSON.fromJson(Files.readString(file,
                        StandardCharsets.UTF_8), new TypeToken<Map<String, List<PublishRequest>>>() { }.getType());
                if (read != null) {
                    read.forEach((user, list) -> byUser.put(user, new ArrayList<>(list == null ? List.of() : list)));
                }
            } catch (JsonParseException e) {
                log.error("HTTP console: {} is not a publish history ({}); the history starts empty and the file is "
                        + "replaced at the next publish. Restore it from a backup now if you need it.", file,
                        e.getMessage());
            }
        }
    }

    /** After {@code user} published {@code r}. A failure to save is logged: the publish itself happened. */
    synchronized void add(String user, PublishRequest r) {
        r.time = clock.millis();
        List<PublishRequest> list = byUser.computeIfAbsent(user, u -> new ArrayList<>());
        list.removeIf(r::sameMessage);
        list.add(0, r);
        while (list.size() > PER_USER) {
            list.remove(list.size() - 1);
        }
        try {
            DataFolder.writePrivate(file, Json.GSON.toJson(byUser).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            log.error("HTTP console: could not save the publish history to {} ({}); it is kept in memory until the "
                    + "console stops. Check the disk (df) and the folder's owner.", file, e.toString());
        }
    }

    /** {@code user}'s messages, newest first. */
    synchronized List<PublishRequest> of(String user) {
        return List.copyOf(byUser.getOrDefault(user, List.of()));
    }
}
