package serve

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/latm/latm/library"
	"github.com/latm/latm/tool"
)

// The web console: server-rendered pages (html/template, embedded) with a
// little script for the forms, which call the JSON API. No build step.

//go:embed console
var consoleFS embed.FS

var consoleTmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"highlight": highlight,
	"json": func(v any) string {
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04")
	},
	"subtract": func(a, b int) int { return a - b },
	"pct": func(a, b int) int {
		if b == 0 {
			return 0
		}
		return a * 100 / b
	},
}).ParseFS(consoleFS, "console/*.html"))

func (s *Server) consoleRoutes() {
	static, _ := fs.Sub(consoleFS, "console")
	s.mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", s.consolePage(s.homePage))
	s.mux.HandleFunc("GET /ui/tools/{ref}", s.consolePage(s.toolPage))
	s.mux.HandleFunc("GET /ui/pending", s.consolePage(s.pendingPage))
	s.mux.HandleFunc("GET /ui/login", s.loginPage)
	s.mux.HandleFunc("POST /ui/login", s.login)
}

// consolePage checks the token (the console's cookie, when tokens are
// required) and renders what page returns.
func (s *Server) consolePage(page func(*http.Request) (string, any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, _, err := s.authenticate(r)
		if err != nil {
			http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
			return
		}
		if info, ok := r.Context().Value(infoKey).(*reqInfo); ok {
			info.who = who // the tenant whose view this is
		}
		name, data, err := page(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, name, data)
	}
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	var buf bytes.Buffer
	if err := consoleTmpl.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.ErrorContext(r.Context(), "console: render", slog.String("page", name), slog.Any("err", err))
		writeError(w, http.StatusInternalServerError, codeInternal, "", "render "+name+": "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:")
	w.Header().Set("X-Frame-Options", "DENY")
	_, _ = w.Write(buf.Bytes())
}

// toolRow is a tool on the home page.
type toolRow struct {
	Tool     *tool.Tool
	Versions int
	Stats    library.ToolStats
	Phase    tool.Phase
	Shared   bool
}

// dayBar is one day of the charts: cost, and answers by path.
type dayBar struct {
	Day               string
	Cost              float64
	NoModel, UseModel int
	CostH, NoH, UseH  int // bar heights in pixels
	X                 int
}

type homeData struct {
	Tools   []toolRow
	Days    []dayBar
	Total   float64
	NoModel int
	Runs    int
	Pending int
	Gateway *gatewayChart
}

const chartHeight = 120

func (s *Server) homePage(r *http.Request) (string, any, error) {
	ctx := r.Context()
	c := s.callerOf(r)
	tools, err := s.eng.Tools(ctx, false)
	if err != nil {
		return "", nil, err
	}
	all, err := s.eng.Tools(ctx, true)
	if err != nil {
		return "", nil, err
	}
	versions := map[string]int{}
	for _, t := range s.visibleTools(c, all) {
		versions[t.Name]++
	}
	d := homeData{}
	for _, t := range tools {
		a := s.accessTo(c, t)
		if a == hidden {
			continue
		}
		st, err := s.eng.Stats(ctx, t.Name)
		if err != nil {
			return "", nil, err
		}
		sum, err := s.summaryFor(ctx, c, t)
		if err != nil {
			return "", nil, err
		}
		d.Tools = append(d.Tools, toolRow{Tool: s.forCaller(c, t), Versions: versions[t.Name], Stats: st, Phase: sum.Phase, Shared: a == shared})
	}
	if d.Gateway, err = s.gatewayChart(r); err != nil {
		return "", nil, err
	}
	costs, err := s.eng.Cost(ctx, "day")
	if err != nil {
		return "", nil, err
	}
	runs, err := s.eng.Runs(ctx, library.RunFilter{Limit: 1000})
	if err == nil {
		runs, err = s.visibleRuns(ctx, c, runs)
	}
	if err != nil {
		return "", nil, err
	}
	days := map[string]*dayBar{}
	day := func(k string) *dayBar {
		if days[k] == nil {
			days[k] = &dayBar{Day: k}
		}
		return days[k]
	}
	for _, c := range costs {
		day(c.Key).Cost += c.Cost
		d.Total += c.Cost
	}
	for _, run := range runs {
		b := day(run.CreatedAt.UTC().Format("2006-01-02"))
		switch pathOf(run) {
		case PathNoModel:
			b.NoModel++
			d.NoModel++
		case PathUserModel:
			b.UseModel++
		}
		d.Runs++
	}
	maxCost, maxRuns := 0.0, 0
	for _, b := range days {
		maxCost = max(maxCost, b.Cost)
		maxRuns = max(maxRuns, b.NoModel+b.UseModel)
		d.Days = append(d.Days, *b)
	}
	sort.Slice(d.Days, func(i, j int) bool { return d.Days[i].Day < d.Days[j].Day })
	if len(d.Days) > 30 {
		d.Days = d.Days[len(d.Days)-30:]
	}
	for i := range d.Days {
		b := &d.Days[i]
		b.X = 10 + i*24
		if maxCost > 0 {
			b.CostH = max(1, int(b.Cost/maxCost*chartHeight))
		}
		if maxRuns > 0 {
			b.NoH = b.NoModel * chartHeight / maxRuns
			b.UseH = b.UseModel * chartHeight / maxRuns
		}
	}
	ps, err := s.pending(ctx, s.callerOf(r))
	if err != nil {
		return "", nil, err
	}
	d.Pending = len(ps)
	return "home.html", d, nil
}

type toolPageData struct {
	*toolDetail
	Runs   []runView
	Schema string
}

func (s *Server) toolPage(r *http.Request) (string, any, error) {
	t, a, err := s.toolOf(r)
	if err != nil {
		return "", nil, err
	}
	d, err := s.detail(r, t, a)
	if err != nil {
		return "", nil, err
	}
	runs, err := s.eng.Runs(r.Context(), library.RunFilter{Tool: t.Name, Limit: 50})
	if err == nil {
		runs, err = s.visibleRuns(r.Context(), s.callerOf(r), runs)
	}
	if err != nil {
		return "", nil, err
	}
	data := toolPageData{toolDetail: d}
	for _, run := range runs {
		data.Runs = append(data.Runs, viewRun(run))
	}
	schema, _ := json.MarshalIndent(d.ArgsSchema, "", "  ")
	data.Schema = string(schema)
	return "tool.html", data, nil
}

type pendingGroup struct {
	Group     int64
	Shared    bool // a group of the workers' shared pool (numbered apart from this server's)
	Instances []*tool.Pending
	Labelled  int
}

func (s *Server) pendingPage(r *http.Request) (string, any, error) {
	ps, err := s.pending(r.Context(), s.callerOf(r))
	if err != nil {
		return "", nil, err
	}
	type key struct {
		shared bool
		group  int64
	}
	byGroup := map[key]*pendingGroup{}
	var groups []*pendingGroup
	for _, p := range ps {
		k := key{p.Shared, p.Group}
		g := byGroup[k]
		if g == nil {
			g = &pendingGroup{Group: p.Group, Shared: p.Shared}
			byGroup[k] = g
			groups = append(groups, g)
		}
		g.Instances = append(g.Instances, p.Pending)
		if p.Label != "" {
			g.Labelled++
		}
	}
	return "pending.html", groups, nil
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "login.html", map[string]any{"Required": s.opts.RequireTokens, "Error": r.URL.Query().Get("error")})
}

// login checks a token and keeps it in an HttpOnly, SameSite=Strict cookie
// for the console's pages and scripts.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	secret := strings.TrimSpace(r.PostFormValue("token"))
	probe := r.Clone(r.Context())
	probe.Header.Set("Authorization", "Bearer "+secret)
	if _, _, err := s.authenticate(probe); secret == "" || err != nil {
		http.Redirect(w, r, "/ui/login?error=unknown+or+revoked+token", http.StatusSeeOther)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: 12 * 3600})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
