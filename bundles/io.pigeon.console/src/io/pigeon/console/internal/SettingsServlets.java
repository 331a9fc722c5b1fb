package io.pigeon.console.internal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.servlet.Servlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.osgi.service.cm.Configuration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardTarget;

import io.pigeon.console.ConsoleContext;

/**
 * The settings page's routes: the list of configurable components, one form, save and delete ({@link ConfigForms}
 * does the work). Every user may read the forms (passwords are never sent); only an administrator may save or
 * delete, which {@link ConsoleSecurity} enforces for every state-changing route.
 */
final class SettingsServlets {

    private SettingsServlets() {
    }

    /** A save's answer for wrong values: 400 with {"error", "fields": {id: message}}. */
    static void invalid(HttpServletResponse response, ConfigForms.Invalid e) throws IOException {
        ApiServlet.send(response, HttpServletResponse.SC_BAD_REQUEST, Map.of("error", e.getMessage(), "fields",
                e.fields));
    }

    /** {@code GET /api/settings}: every form, with the configurations of each factory, and whether the user may save. */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/settings")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Overview extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient ConfigForms forms;
        private final transient UserStore users;

        @Activate
        public Overview(@Reference ConfigForms forms, @Reference UserStore users) {
            this.forms = forms;
            this.users = users;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("canSave", users.isAdmin(session(request).user));
            out.put("etc", forms.etc() == null ? null : forms.etc().toString());
            out.put("forms", forms.overview());
            ok(response, out);
        }
    }

    /**
     * {@code GET /api/settings/form?pid=PID} (a singleton, or a factory configuration such as io.pigeon.gpio.pin~door)
     * or {@code ?factoryPid=F} (an empty form for a new configuration of F); {@code &bundle=SYMBOLIC_NAME} picks the
     * form of one bundle where several describe the PID (io.pigeon.broker).
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/settings/form")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Form extends ApiServlet {
        private static final long serialVersionUID = 1L;
        private final transient ConfigForms forms;

        @Activate
        public Form(@Reference ConfigForms forms) {
            this.forms = forms;
        }

        @Override
        void get(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            String factoryPid = request.getParameter("factoryPid");
            String pid = request.getParameter("pid");
            String bundle = request.getParameter("bundle");
            if (factoryPid != null) {
                ConfigForms.Definition d = forms.definition(factoryPid, bundle);
                if (!d.factory()) {
                    throw new BadRequest(factoryPid + " is not a factory PID; ask for ?pid=" + factoryPid);
                }
                ok(response, forms.form(d, null));
                return;
            }
            if (pid == null) {
                throw new BadRequest("say which form: ?pid=PID or ?factoryPid=FACTORY_PID");
            }
            Configuration c = forms.configuration(pid);
            ConfigForms.Definition d = forms.definition(c != null && c.getFactoryPid() != null ? c.getFactoryPid()
                    : pid, bundle);
            if (d.factory() && c == null) {
                throw new BadRequest(404, "no configuration " + pid + "; it may have been deleted: reload");
            }
            ok(response, forms.form(d, c));
        }
    }

    /**
     * {@code POST /api/settings/save} {"definition": PID or factory PID, "bundle": the form's bundle, "pid": existing
     * configuration or null, "name": new factory configuration's name, "version": the form's etc/pigeon.conf version,
     * "values": {id: text or [texts]}}: 200 {"pid", "notes"}, 400 {"error", "fields": {id: message}}, or 409 when
     * etc/pigeon.conf changed since the form was read.
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/settings/save")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Save extends ApiServlet {
        private static final long serialVersionUID = 1L;

        static final class Request {
            String definition;
            String bundle;
            String pid;
            String name;
            String version;
            Map<String, Object> values;
        }

        private final transient ConfigForms forms;

        @Activate
        public Save(@Reference ConfigForms forms) {
            this.forms = forms;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Request r = body(request, Request.class);
            if (r.definition == null || r.values == null) {
                throw new BadRequest("send {\"definition\", \"pid\", \"name\", \"version\", \"values\"}");
            }
            ConfigForms.Definition d = forms.definition(r.definition, r.bundle);
            try {
                ConfigForms.Saved saved = forms.save(d, r.pid, r.name, r.values, r.version, session(request).user);
                ok(response, Map.of("pid", saved.pid(), "notes", saved.notes()));
            } catch (ConfigForms.Invalid e) {
                invalid(response, e);
            }
        }
    }

    /**
     * {@code POST /api/settings/delete} {"definition": factory PID, "pid", "version"}: deletes a factory configuration
     * (from etc/pigeon.conf: its section).
     */
    @Component(service = Servlet.class)
    @HttpWhiteboardServletPattern("/api/settings/delete")
    @HttpWhiteboardContextSelect(ConsoleContext.SELECT)
    @HttpWhiteboardTarget(ConsoleContext.TARGET)
    public static final class Delete extends ApiServlet {
        private static final long serialVersionUID = 1L;

        static final class Request {
            String definition;
            String pid;
            String version;
        }

        private final transient ConfigForms forms;

        @Activate
        public Delete(@Reference ConfigForms forms) {
            this.forms = forms;
        }

        @Override
        void post(HttpServletRequest request, HttpServletResponse response) throws IOException, BadRequest {
            Request r = body(request, Request.class);
            if (r.definition == null || r.pid == null) {
                throw new BadRequest("send {\"definition\": factory PID, \"pid\", \"version\"}");
            }
            forms.delete(forms.definition(r.definition), r.pid, r.version, session(request).user);
            ok(response, Map.of("deleted", r.pid));
        }
    }
}
