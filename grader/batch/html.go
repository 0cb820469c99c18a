//go:build unix

package batch

import (
	"fmt"
	"html/template"
	"io"
	"net/url"
	"strings"
	"time"

	"socklab/grader/report"
	"socklab/grader/runner"
)

// WriteHTML writes the report for instructors: one self-contained page
// (inline CSS, no script) with, for each assignment, the class's pass
// rate of every scenario, hardest first, with its description, a bar and
// the reason most of its failures share, then every student's score and
// status (no submission, does not build, ...), the compiler's message of
// each program that does not build, each scenario failed with its reason,
// and a link to the student's feedback folder (WriteFeedback), which the
// page expects beside it.
//
// Everything that comes from a submission (student names above all, the
// directory's name) is escaped by html/template, and passes through
// report.Clean first, so that control characters and bidirectional
// overrides show as escapes.
func (b *Batch) WriteHTML(w io.Writer) error {
	return page.Execute(w, b.htmlData())
}

// htmlData is what the page shows.
type htmlData struct {
	Dir         string
	Generated   string
	Duration    string
	Students    int
	Graded      int
	Seal        string // what the seal says when it is broken
	Interrupted bool
	Shard       string   // the part of the class graded, "2/3", if one
	ClassSize   int      // then: how many submissions the class has
	Missing     []string // the shards a merged batch lacks
	Broken      []brokenEntry
	Assignments []AssignmentStats
}

type brokenEntry struct{ Student, Why string }

func (b *Batch) htmlData() htmlData {
	d := htmlData{
		Dir:         b.Dir,
		Generated:   b.Started.Format("2006-01-02 15:04 MST"),
		Duration:    b.Duration.Round(100 * time.Millisecond).String(),
		Students:    len(b.Entries),
		Interrupted: b.Interrupted,
		Shard:       b.Shard.String(),
		ClassSize:   b.ClassSize,
		Missing:     b.Missing,
		Assignments: b.Stats(),
	}
	if !b.Seal.Sealed {
		d.Seal = b.Seal.String()
	}
	for _, e := range b.Entries {
		if e.Err == "" && e.Grade != nil {
			d.Graded++
		}
		if e.Broken() {
			d.Broken = append(d.Broken, brokenEntry{e.Student, why(e)})
		}
	}
	return d
}

// why says why an entry's grade is not to be trusted whole.
func why(e Entry) string {
	if e.Err != "" {
		return e.Err
	}
	var names []string
	for _, r := range e.Grade.Results {
		if r.Status == runner.Errored {
			names = append(names, r.Scenario.Assignment+"/"+r.Scenario.Name+" ("+r.Reason+")")
		}
	}
	return "the grader broke in " + strings.Join(names, ", ") + "; those scenarios earn nothing: grade again"
}

// compilerCap bounds a compiler's message on the page: the student's
// report.txt has it whole.
const compilerCap = 8 << 10

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"clean": report.Clean,
	"join":  func(s []string) string { return strings.Join(s, ", ") },
	"mean":  func(f float64) string { return strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0") },
	// bar is the style of a scenario's bar: as wide as its pass rate,
	// from red (0%) to green (100%).
	"bar": func(s ScenarioStats) template.CSS {
		r := max(s.Rate(), 0)
		return template.CSS(fmt.Sprintf("width: %.1f%%; background: hsl(%.0f, 65%%, 45%%)", 100*r, 120*r))
	},
	"compiler":   func(b runner.Build) string { return report.Cap(report.Clean(compilerMessage(b)), compilerCap) },
	"firstError": firstError,
	// folder is a student's feedback folder as the page shows it, and
	// link the address of a file in it, relative to the page.
	"folder": func(student string) string { return report.Clean(FeedbackPath(student)) + "/" },
	"link": func(student, file string) string {
		return FeedbackDir + "/" + url.PathEscape(student) + "/" + file
	},
}).Parse(pageTemplate))

const pageTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>socklab: batch grades</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; color: #222; max-width: 75em; margin: 2em auto; padding: 0 1em; }
table { border-collapse: collapse; margin: .5em 0 2em; width: 100%; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #ddd; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.bar { width: 10em; height: .9em; margin-top: .25em; background: #eee; border-radius: 3px; overflow: hidden; }
.bar > div { height: 100%; }
.note { color: #666; font-size: 90%; }
.warn { background: #fff4d6; border-left: 4px solid #e0a800; padding: .5em 1em; }
.err { background: #fde2e2; border-left: 4px solid #c00; padding: .5em 1em; }
ul.failures { margin: 0; padding-left: 1.2em; }
details pre { white-space: pre-wrap; font-size: 85%; background: #f7f7f7; padding: .4em; margin: .3em 0; }
</style>
</head>
<body>
<h1>socklab: batch grades</h1>
<p>{{.Graded}} of {{.Students}} submissions in <code>{{clean .Dir}}</code> graded on {{.Generated}}, in {{.Duration}}.
Each student's feedback, what <code>make grade</code> prints and its <code>results.json</code>, is in
<code>feedback/&lt;student&gt;/</code> beside this page, to hand back.</p>
{{- with .Shard}}
<p class="warn">This is shard {{.}} of the class, {{$.Students}} of its {{$.ClassSize}} submissions: <code>grader merge</code> joins the shards' grades.</p>
{{- end}}
{{- with .Missing}}
<p class="err">Shards missing: {{join .}}. Their students are in none of these grades and figures: grade them, then merge again.</p>
{{- end}}
{{- with .Seal}}
<p class="warn">{{clean .}}: these grades come from edited scenarios or an edited grader.</p>
{{- end}}
{{- if .Interrupted}}
<p class="err">Grading was interrupted: the submissions not graded count in none of the figures.</p>
{{- end}}
{{- with .Broken}}
<div class="err">
<p>These submissions could not be graded whole: grade them again.</p>
<ul>
{{- range .}}
<li><code>{{clean .Student}}</code>: {{clean .Why}}</li>
{{- end}}
</ul>
</div>
{{- end}}
{{- range .Assignments}}

<h2 id="{{.Name}}">{{.Name}}</h2>
<p>{{.Graded}} students graded: mean score {{mean .Mean}}/{{mean .MeanMax}} ({{.MeanPercent}}), {{.Full}} with every point.
{{- with .NoSubmission}} {{.}} with no submission, in none of these figures.{{end}}</p>

<h3>Scenarios, hardest first</h3>
<table class="scenarios">
<thead><tr><th>Scenario</th><th>Points</th><th>Passed</th><th>Pass rate</th><th></th><th>What it checks</th></tr></thead>
<tbody>
{{- range .Scenarios}}
<tr><td><code>{{.Scenario.Name}}</code></td><td class="num">{{.Scenario.Points}}</td><td class="num">{{.Passed}}/{{.Total}}</td><td class="num">{{.Percent}}</td><td><div class="bar"><div style="{{bar .}}"></div></div></td><td>{{.Scenario.Description}}
{{- if or .NotRun .Skipped .Errored .Shared}}<br/><span class="note">
{{- if .Shared}} Most often ({{.Shared}} of {{.Failed}}): {{.Common}}.{{end}}
{{- if .NotRun}} {{.NotRun}} failed without running: a program was missing or did not build.{{end}}
{{- if .Skipped}} {{.Skipped}} skipped: it cannot run on this machine.{{end}}
{{- if .Errored}} {{.Errored}} not counted: the grader broke.{{end}}</span>{{end}}</td></tr>
{{- end}}
</tbody>
</table>

<h3>Students</h3>
<table class="students">
<thead><tr><th>Student</th><th>Score</th><th></th><th>Status</th><th>Failed scenarios, and why</th><th>Feedback</th></tr></thead>
<tbody>
{{- range .Students}}
{{- if .Err}}
<tr><td>{{clean .Student}}</td><td class="num">–</td><td class="num">–</td><td>{{.Status}}</td><td><span class="note">{{clean .Err}}</span></td><td><a href="{{link .Student "report.txt"}}"><code>{{folder .Student}}</code></a></td></tr>
{{- else}}
<tr><td>{{clean .Student}}</td><td class="num">{{.Earned}}/{{.Possible}}</td><td class="num">{{.Percent}}</td><td>{{.Status}}</td><td>
{{- range .NotBuilt}}<details><summary><code>{{.Program}}</code> does not build: {{firstError .}}</summary><pre>{{compiler .}}</pre></details>{{end}}
{{- with .FailureLines}}<ul class="failures">{{range .}}<li><code>{{join .Scenarios}}</code>: {{.Reason}}</li>{{end}}</ul>{{end}}</td>
<td><a href="{{link .Student "report.txt"}}"><code>{{folder .Student}}</code></a> (<a href="{{link .Student "results.json"}}">results.json</a>)</td></tr>
{{- end}}
{{- end}}
</tbody>
</table>
{{- end}}
</body>
</html>
`
