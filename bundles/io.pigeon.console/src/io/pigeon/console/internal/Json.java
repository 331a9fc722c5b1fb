package io.pigeon.console.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** The console's one JSON mapper (Gson is thread safe). HTML escaping off: the page never inserts JSON as HTML. */
final class Json {

    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private Json() {
    }
}
