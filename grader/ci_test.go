//go:build unix

package main

// Tests of the course-platform entry points around the grader: GitHub
// Actions' workflow, GitLab CI's job, Classroom 50's autograder.py,
// PrairieLearn's entrypoint and the container image that holds it,
// Gradescope's run_autograder, and `make grade GRADER_REF=...`. They run
// the real scripts on the fixture course, in simulated layouts (nothing
// here builds or runs a container image), or make on copies of this
// repository's work tree (uncommitted changes included).

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"socklab/grader/coursetest"
	"socklab/grader/seal"
)

// ciResults is what these tests read of a results.json.
type ciResults struct {
	Score    *float64 `json:"score"`
	MaxScore float64  `json:"max_score"`
	Output   string   `json:"output"`
}

// makeCourse lays out in dir a course as make grade finds it, with the
// fixture course's scenarios: its Makefile, go.mod and go.sum, the
// grader's sources (a link to this repository's), and testdata/.
func makeCourse(t *testing.T, dir string) {
	t.Helper()
	repo := repoRoot(t)
	for _, f := range []string{"Makefile", "go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(repo, f))
		require.NoError(t, err)
		writeFile(t, filepath.Join(dir, f), data)
	}
	require.NoError(t, os.Symlink(filepath.Join(repo, "grader"), filepath.Join(dir, "grader")))
	copyTree(t, coursetest.Fixture(t).Testdata(), filepath.Join(dir, "testdata"))
}

// TestGradescopeRunAutograder runs .gradescope/run_autograder the way
// Gradescope does, under a simulated /autograder whose source is a
// course with the fixture's scenarios, on submissions of every accepted
// shape.
func TestGradescopeRunAutograder(t *testing.T) {
	coursetest.FixtureOnly(t)
	needTools(t, "bash", "make")
	t.Parallel()
	repo := repoRoot(t)
	fixture := coursetest.Fixture(t)
	// One course, its grader built once, for every case's source.
	course := filepath.Join(t.TempDir(), "course")
	makeCourse(t, course)
	out, err := runIn(t, course, append(cleanEnv(), "GOWORK=off", "GOFLAGS=-mod=mod"), "go", "build", "-o", ".bin/grader", "./grader")
	require.NoError(t, err, out)
	cases := []struct {
		name       string
		assignment string                         // ASSIGNMENT for run_autograder
		submit     func(t *testing.T, sub string) // fills the submission
		want       string                         // full, zero (of max_score > 0), or refused (nothing graded)
		output     string                         // results.json's output contains this
	}{
		{"whole repository", "", func(t *testing.T, sub string) {
			copyTree(t, fixture.Solutions(), filepath.Join(sub, "assignments"))
			writeFile(t, filepath.Join(sub, "go.mod"), []byte("module example.com/student\n\ngo 1.22\n"))
		}, "full", ""},
		{"assignment folders", "", func(t *testing.T, sub string) {
			copyTree(t, fixture.Solutions(), sub)
		}, "full", ""},
		{"one assignment's folder", "02-upper", func(t *testing.T, sub string) {
			copyTree(t, filepath.Join(fixture.Solutions(), "02-upper"), sub)
		}, "full", ""},
		{"skeletons", "", func(t *testing.T, sub string) {
			copyTree(t, fixture.Assignments(), filepath.Join(sub, "assignments"))
		}, "zero", ""},
		{"one assignment's folder without ASSIGNMENT", "", func(t *testing.T, sub string) {
			copyTree(t, filepath.Join(fixture.Solutions(), "02-upper"), sub)
		}, "refused", "server/ and client/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			require.NoError(t, os.Symlink(course, filepath.Join(root, "source")))
			c.submit(t, filepath.Join(root, "submission"))

			env := append(cleanEnv(), "AUTOGRADER_ROOT="+root, "ASSIGNMENT="+c.assignment)
			out, err := runIn(t, root, env, "bash", filepath.Join(repo, ".gradescope", "run_autograder"))
			require.NoError(t, err, "run_autograder exits 0 once results.json is written:\n%s", out)

			res := readResults(t, filepath.Join(root, "results", "results.json"), out)
			switch c.want {
			case "full":
				assert.Positive(t, res.MaxScore, out)
				assert.Equal(t, res.MaxScore, *res.Score, "full marks:\n%s", out)
			case "zero":
				assert.Positive(t, res.MaxScore, out)
				assert.Zero(t, *res.Score, out)
			case "refused":
				assert.Zero(t, res.MaxScore, out)
				assert.Zero(t, *res.Score, out)
			}
			assert.Contains(t, res.Output, c.output)
		})
	}
}

// TestPrairieLearnEntrypoint runs .prairielearn/entrypoint as
// PrairieLearn's external grader does, with PL_ROOT standing for /grade,
// in a layout made as .container/Containerfile makes the image's (see
// TestContainerImage), the fixture course's scenarios in place of the
// course's.
func TestPrairieLearnEntrypoint(t *testing.T) {
	coursetest.FixtureOnly(t)
	needTools(t, "bash")
	t.Parallel()
	fixture := coursetest.Fixture(t)
	course := imageLayout(t)
	cases := []struct {
		name       string
		assignment string
		submit     func(t *testing.T, student string)
		gradable   bool
		score      string // "1", "0", "between", for a gradable one
		message    string
	}{
		{"reference", "01-echo", func(t *testing.T, student string) {
			copyTree(t, filepath.Join(fixture.Solutions(), "01-echo"), student)
		}, true, "1", "Score: "},
		{"skeleton", "02-upper", func(t *testing.T, student string) {
			copyTree(t, filepath.Join(fixture.Assignments(), "02-upper"), student)
		}, true, "0", "Score: 0/10"},
		{"server does not compile", "01-echo", func(t *testing.T, student string) {
			copyTree(t, filepath.Join(fixture.Solutions(), "01-echo"), student)
			writeFile(t, filepath.Join(student, "server", "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"))
		}, true, "between", "Score: "},
		{"flat files", "02-upper", func(t *testing.T, student string) {
			for _, prog := range []string{"server", "client"} {
				data, err := os.ReadFile(filepath.Join(fixture.Solutions(), "02-upper", prog, "main.go"))
				require.NoError(t, err)
				writeFile(t, filepath.Join(student, prog+".go"), data)
			}
		}, true, "1", "Score: 10/10"},
		{"no ASSIGNMENT", "", func(t *testing.T, student string) {
			copyTree(t, filepath.Join(fixture.Solutions(), "01-echo"), student)
		}, false, "", "sets no ASSIGNMENT"},
		{"unknown assignment", "99-none", func(t *testing.T, student string) {
			copyTree(t, filepath.Join(fixture.Solutions(), "01-echo"), student)
		}, false, "", "no assignment 99-none"},
		{"not a name", "../01-echo", func(t *testing.T, student string) {
			copyTree(t, filepath.Join(fixture.Solutions(), "01-echo"), student)
		}, false, "", "is not an assignment's name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			grade := filepath.Join(t.TempDir(), "grade")
			c.submit(t, filepath.Join(grade, "student"))
			env := append(cleanEnv(), "PL_ROOT="+grade, "SOCKLAB_COURSE="+course, "ASSIGNMENT="+c.assignment)
			out, err := runIn(t, grade, env, filepath.Join(course, ".prairielearn", "entrypoint"))
			require.NoError(t, err, "the entrypoint exits 0 once results.json is written:\n%s", out)

			data, err := os.ReadFile(filepath.Join(grade, "results", "results.json"))
			require.NoError(t, err, out)
			var res struct {
				Gradable *bool    `json:"gradable"`
				Score    *float64 `json:"score"`
				Message  string   `json:"message"`
				Tests    []struct {
					Name      string `json:"name"`
					Points    *int   `json:"points"`
					MaxPoints *int   `json:"max_points"`
					Output    string `json:"output"`
				} `json:"tests"`
			}
			require.NoError(t, json.Unmarshal(data, &res), "%s", data)
			require.NotNil(t, res.Gradable, "%s", data)
			require.NotNil(t, res.Score, "%s", data)
			assert.Equal(t, c.gradable, *res.Gradable, "%s", data)
			assert.Contains(t, res.Message, c.message)
			assert.GreaterOrEqual(t, *res.Score, 0.0)
			assert.LessOrEqual(t, *res.Score, 1.0)
			switch c.score {
			case "1":
				assert.Equal(t, 1.0, *res.Score, "%s", data)
			case "0":
				assert.Zero(t, *res.Score, "%s", data)
			case "between":
				assert.Greater(t, *res.Score, 0.0, "%s", data)
				assert.Less(t, *res.Score, 1.0, "%s", data)
			}
			if c.gradable {
				require.NotEmpty(t, res.Tests)
				for _, test := range res.Tests {
					assert.True(t, strings.HasPrefix(test.Name, c.assignment+"/"), "only %s is graded: %s", c.assignment, test.Name)
					require.NotNil(t, test.Points, test.Name)
					require.NotNil(t, test.MaxPoints, test.Name)
					assert.LessOrEqual(t, *test.Points, *test.MaxPoints, test.Name)
				}
			}
		})
	}
}

// TestClassroom50Autograder runs .classroom50/autograder.py as Classroom
// 50's runner does: from a bundle (the script, and the course in
// course/: here with the fixture course's scenarios), in the student's
// checkout, under the runner's environment. The result.json it leaves
// meets the contract, and release-body.md is beside it.
func TestClassroom50Autograder(t *testing.T) {
	coursetest.FixtureOnly(t)
	needTools(t, "python3", "go")
	t.Parallel()
	repo := repoRoot(t)
	fixture := coursetest.Fixture(t)
	tmp := t.TempDir()
	bundle := filepath.Join(tmp, "runtime", "sockets-1")
	makeCourse(t, filepath.Join(bundle, "course"))
	data, err := os.ReadFile(filepath.Join(repo, ".classroom50", "autograder.py"))
	require.NoError(t, err)
	writeFile(t, filepath.Join(bundle, "autograder.py"), data)

	// The student's checkout: the references, but a server that does not
	// compile, and scenarios of their own that would pass anything.
	checkout := filepath.Join(tmp, "checkout")
	copyTree(t, fixture.Solutions(), filepath.Join(checkout, "assignments"))
	writeFile(t, filepath.Join(checkout, "assignments", "01-echo", "server", "main.go"), []byte("package main\n\nfunc main() { undefined() }\n"))
	writeFile(t, filepath.Join(checkout, "testdata", "01-echo", "echo-server.txtar"), []byte("# points: 4\n# Anything.\n"))

	runner := func(t *testing.T, slug string) (string, error) {
		t.Helper()
		env := cleanEnv()
		for k, v := range classroom50Env() {
			env = append(env, k+"="+v)
		}
		env = append(env, "ASSIGNMENT="+slug, "CLASSROOM50_BUNDLE_DIR="+bundle,
			"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE="+checkout)
		for _, f := range []string{"result.json", "release-body.md"} {
			os.Remove(filepath.Join(checkout, f))
		}
		return runIn(t, checkout, env, "python3", filepath.Join(bundle, "autograder.py"))
	}

	t.Run("every assignment", func(t *testing.T) {
		out, err := runner(t, "sockets-1")
		require.NoError(t, err, "the autograder exits 0 once it has graded:\n%s", out)
		data, err := os.ReadFile(filepath.Join(checkout, "result.json"))
		require.NoError(t, err, out)
		env := classroom50Env()
		res := checkClassroom50Result(t, data, env)
		tests := res["tests"].([]any)
		names := map[string]bool{}
		for _, x := range tests {
			test := x.(map[string]any)
			names[test["test-name"].(string)] = true
			if test["test-name"] == "01-echo/echo-server" {
				assert.Equal(t, false, test["passed"], "graded by the bundle's scenarios, not the checkout's")
			}
		}
		assert.True(t, names["01-echo/echo-server"] && names["02-upper/upper-server"], "both assignments: %v", names)
		score, _ := res["score"].(json.Number).Int64()
		max, _ := res["max-score"].(json.Number).Int64()
		assert.Positive(t, score)
		assert.Less(t, score, max)
		body, err := os.ReadFile(filepath.Join(checkout, "release-body.md"))
		require.NoError(t, err)
		assert.Contains(t, string(body), fmt.Sprintf("## socklab: %d/%d points", score, max))
		assert.Contains(t, out, "::error title=FAIL 01-echo/", "annotations, on the run: the scenarios are not in the checkout")
		assert.NotContains(t, out, "::error file=")
	})
	t.Run("the assignment named like the Classroom 50 one", func(t *testing.T) {
		out, err := runner(t, "02-upper")
		require.NoError(t, err, out)
		data, err := os.ReadFile(filepath.Join(checkout, "result.json"))
		require.NoError(t, err, out)
		env := classroom50Env()
		env["ASSIGNMENT"] = "02-upper"
		res := checkClassroom50Result(t, data, env)
		for _, x := range res["tests"].([]any) {
			name := x.(map[string]any)["test-name"].(string)
			assert.True(t, name == "seal" || name == "isolation" || strings.HasPrefix(name, "02-upper/"), name)
		}
		assert.Equal(t, json.Number("10"), res["score"], "02-upper's references: its full total")
	})
	t.Run("no course in the bundle", func(t *testing.T) {
		empty := filepath.Join(tmp, "empty-bundle")
		writeFile(t, filepath.Join(empty, "autograder.py"), data)
		env := append(cleanEnv(), "CLASSROOM50_BUNDLE_DIR="+empty)
		out, err := runIn(t, checkout, env, "python3", filepath.Join(empty, "autograder.py"))
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, out)
		assert.Equal(t, 1, exit.ExitCode(), "an error: the runner publishes it as such")
		assert.Contains(t, out, "no course in")
	})
}

// containerfile is .container/Containerfile, read: its build arguments'
// defaults, the sources of its COPY lines from the build context (the
// repository), and its CMD.
type containerfile struct {
	args   map[string]string
	copies []string
	text   string
}

func readContainerfile(t *testing.T) containerfile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), ".container", "Containerfile"))
	require.NoError(t, err)
	c := containerfile{args: map[string]string{}, text: string(data)}
	for _, line := range strings.Split(c.text, "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 2 && fields[0] == "ARG":
			k, v, _ := strings.Cut(fields[1], "=")
			c.args[k] = v
		case len(fields) >= 3 && fields[0] == "COPY" && !strings.HasPrefix(fields[1], "--from"):
			c.copies = append(c.copies, fields[1:len(fields)-1]...)
		}
	}
	return c
}

// TestContainerImage checks .container/Containerfile without building it
// (nothing here can): Go is pinned, to the image GitLab CI grades with;
// what it copies exists, holds every file the seal covers (so that its
// grades say sealed: true) and nothing of solutions/; the grader is built
// as make grade builds it; and the entrypoint it names is an executable
// of the course. TestPrairieLearnEntrypoint runs that entrypoint in the
// layout the image has.
func TestContainerImage(t *testing.T) {
	t.Parallel()
	repo := repoRoot(t)
	c := readContainerfile(t)
	goImage := c.args["GO_IMAGE"]
	assert.Regexp(t, `^golang:1\.\d+\.\d+-[a-z]+$`, goImage, "Go pinned to a release")
	gitlab, err := os.ReadFile(filepath.Join(repo, ".gitlab-ci.yml"))
	require.NoError(t, err)
	assert.Contains(t, string(gitlab), "image: "+goImage+" ", "GitLab CI grades with the image's Go")

	require.NotEmpty(t, c.copies)
	for _, src := range c.copies {
		assert.NotContains(t, src, "solutions", "the image never holds the solutions")
		_, err := os.Stat(filepath.Join(repo, src))
		assert.NoError(t, err, "COPY %s: it exists", src)
	}
	sums, err := seal.Sums(repo)
	require.NoError(t, err)
	for path := range sums {
		copied := slices.ContainsFunc(c.copies, func(src string) bool {
			src = strings.TrimSuffix(src, "/")
			return path == src || strings.HasPrefix(path, src+"/")
		})
		assert.True(t, copied, "the image holds %s, which the seal covers", path)
	}
	assert.Contains(t, c.text, "GOWORK=off GOFLAGS=-mod=mod go build -o .bin/grader ./grader", "built as make grade builds it")
	assert.Contains(t, c.text, `CMD ["/opt/socklab/.prairielearn/entrypoint"]`)
	info, err := os.Stat(filepath.Join(repo, ".prairielearn", "entrypoint"))
	require.NoError(t, err)
	assert.NotZero(t, info.Mode().Perm()&0o111, "the entrypoint is executable: COPY keeps its mode")
	for _, script := range []string{".gradescope/run_autograder", ".gradescope/setup.sh", ".classroom50/autograder.py"} {
		info, err := os.Stat(filepath.Join(repo, script))
		require.NoError(t, err)
		assert.NotZero(t, info.Mode().Perm()&0o111, "%s is executable", script)
	}
}

// imageLayout makes, in a new directory, what the image holds in
// /opt/socklab: what the Containerfile copies from the repository, with
// the grader built in .bin/grader; then the fixture course's scenarios
// stand in for the course's. It returns the directory.
func imageLayout(t *testing.T) string {
	t.Helper()
	repo := repoRoot(t)
	dir := filepath.Join(t.TempDir(), "opt", "socklab")
	for _, src := range readContainerfile(t).copies {
		from, to := filepath.Join(repo, src), filepath.Join(dir, src)
		info, err := os.Stat(from)
		require.NoError(t, err)
		if info.IsDir() {
			copyTree(t, from, to)
			continue
		}
		data, err := os.ReadFile(from)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o755))
		require.NoError(t, os.WriteFile(to, data, info.Mode().Perm()))
	}
	out, err := runIn(t, dir, append(cleanEnv(), "GOWORK=off", "GOFLAGS=-mod=mod"), "go", "build", "-o", ".bin/grader", "./grader")
	require.NoError(t, err, out)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "testdata")))
	copyTree(t, coursetest.Fixture(t).Testdata(), filepath.Join(dir, "testdata"))
	return dir
}

// TestActionsWorkflow: the grading workflow runs on push and by hand,
// with Node-24 majors of its actions and none of GitHub Classroom's, sets
// Go up from go.mod with its caches, lifts the restriction on user
// namespaces without failing where it cannot, grades with make grade and
// uploads results/ whatever the grade. (actionlint, in make test, checks
// the rest.)
func TestActionsWorkflow(t *testing.T) {
	t.Parallel()
	repo := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(repo, ".github", "workflows", "*.y*ml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	// The first majors whose action.yml runs on node24 (grader/README.md).
	node24 := map[string]int{"actions/checkout": 5, "actions/setup-go": 6, "actions/upload-artifact": 6}
	type step struct {
		Name string            `yaml:"name"`
		Uses string            `yaml:"uses"`
		Run  string            `yaml:"run"`
		If   string            `yaml:"if"`
		With map[string]string `yaml:"with"`
	}
	var grading []step
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		var wf struct {
			On   map[string]any `yaml:"on"`
			Jobs map[string]struct {
				Steps []step `yaml:"steps"`
			} `yaml:"jobs"`
		}
		require.NoError(t, yaml.Unmarshal(data, &wf), file)
		for _, job := range wf.Jobs {
			for _, s := range job.Steps {
				if s.Uses == "" {
					continue
				}
				action, ref, _ := strings.Cut(s.Uses, "@")
				assert.NotContains(t, action, "classroom", "%s: no GitHub Classroom action", file)
				if want, ok := node24[action]; ok {
					major, err := strconv.Atoi(strings.TrimPrefix(strings.SplitN(ref, ".", 2)[0], "v"))
					require.NoError(t, err, s.Uses)
					assert.GreaterOrEqual(t, major, want, "%s: %s runs on node24", file, s.Uses)
				} else {
					assert.Contains(t, []string{"actions/cache"}, action, "%s: an action this test knows the node24 major of", file)
				}
			}
			for _, s := range job.Steps {
				if strings.Contains(s.Run, "make grade") {
					grading = job.Steps
					assert.Contains(t, wf.On, "push", file)
					assert.Contains(t, wf.On, "workflow_dispatch", file)
				}
			}
		}
	}
	require.NotEmpty(t, grading, "a workflow grades with make grade")
	uses := func(action string) step {
		for _, s := range grading {
			if strings.HasPrefix(s.Uses, action+"@") {
				return s
			}
		}
		t.Fatalf("the grading job uses no %s", action)
		return step{}
	}
	assert.Equal(t, "go.mod", uses("actions/setup-go").With["go-version-file"])
	assert.NotEqual(t, "false", uses("actions/setup-go").With["cache"], "Go's module and build caches")
	upload := uses("actions/upload-artifact")
	assert.Equal(t, "always()", upload.If, "the results, pass or fail")
	assert.Equal(t, "results/", upload.With["path"])
	var sysctl step
	for _, s := range grading {
		if strings.Contains(s.Run, "kernel.apparmor_restrict_unprivileged_userns=0") {
			sysctl = s
		}
	}
	require.NotEmpty(t, sysctl.Run, "a step lifts Ubuntu's restriction on user namespaces")
	assert.Contains(t, sysctl.Run, "if [ -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ]", "only where the setting exists")
	assert.Contains(t, sysctl.Run, "sudo -n sysctl", "without waiting on a password")
	assert.Contains(t, sysctl.Run, "||", "a sysctl that fails does not fail the job")

	// The step runs, here, as a shell would; where the setting is absent
	// it does nothing and succeeds.
	if _, err := os.Stat("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"); err != nil {
		needTools(t, "bash")
		out, err := runIn(t, t.TempDir(), cleanEnv(), "bash", "-e", "-c", sysctl.Run)
		assert.NoError(t, err, out)
	}
}

// TestGitLabCI: .gitlab-ci.yml parses, and has a job that grades with make
// grade in the official Go image and publishes the junit.xml make grade
// writes as its test report, whatever the grade.
func TestGitLabCI(t *testing.T) {
	t.Parallel()
	repo := repoRoot(t)
	data, err := os.ReadFile(filepath.Join(repo, ".gitlab-ci.yml"))
	require.NoError(t, err)
	var jobs map[string]struct {
		Image     string   `yaml:"image"`
		Script    []string `yaml:"script"`
		Artifacts struct {
			When    string   `yaml:"when"`
			Paths   []string `yaml:"paths"`
			Reports struct {
				JUnit string `yaml:"junit"`
			} `yaml:"reports"`
		} `yaml:"artifacts"`
	}
	require.NoError(t, yaml.Unmarshal(data, &jobs))
	// Where make grade writes: junit.xml beside RESULTS.
	makefile, err := os.ReadFile(filepath.Join(repo, "Makefile"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^RESULTS\s*\?=\s*(\S+)$`).FindSubmatch(makefile)
	require.NotNil(t, m, "the Makefile sets RESULTS")
	junit := filepath.ToSlash(filepath.Join(filepath.Dir(string(m[1])), "junit.xml"))

	graded := false
	for name, job := range jobs {
		if !slices.ContainsFunc(job.Script, func(line string) bool { return strings.HasPrefix(line, "make grade") }) {
			continue
		}
		graded = true
		assert.True(t, strings.HasPrefix(job.Image, "golang:"), "%s: the official Go image: %s", name, job.Image)
		assert.Equal(t, junit, job.Artifacts.Reports.JUnit, "%s: the JUnit report make grade writes", name)
		assert.Equal(t, "always", job.Artifacts.When, "%s: published when scenarios fail too", name)
		assert.Contains(t, job.Artifacts.Paths, filepath.Dir(junit)+"/", name)
	}
	assert.True(t, graded, "a job runs make grade")
}

// TestGraderRefIgnoresLocalScenarios: `make grade GRADER_REF=REF` grades
// with REF's grader and scenarios, however the local ones were edited. On
// courses with the fixture's scenarios and skeletons, the local scenarios
// are cut to their headers, so that they pass anything; the skeletons must
// still score 0, as they do against the reference.
func TestGraderRefIgnoresLocalScenarios(t *testing.T) {
	coursetest.FixtureOnly(t)
	needTools(t, "make", "git")
	t.Parallel()
	fixture := coursetest.Fixture(t)
	tmp := t.TempDir()
	course := func(dir string) string {
		makeCourse(t, dir)
		copyTree(t, fixture.Assignments(), filepath.Join(dir, "assignments"))
		return dir
	}

	local := course(filepath.Join(tmp, "local"))
	scenarios, err := filepath.Glob(filepath.Join(local, "testdata", "*", "*.txtar"))
	require.NoError(t, err)
	require.NotEmpty(t, scenarios)
	for _, sc := range scenarios {
		data, err := os.ReadFile(sc)
		require.NoError(t, err)
		header, _, _ := strings.Cut(string(data), "\n\n")
		require.NoError(t, os.WriteFile(sc, []byte(header+"\n"), 0o644))
	}
	results := filepath.Join(local, "results", "results.json")

	// The tampering works: graded locally, the skeletons get full marks.
	out, err := runIn(t, local, cleanEnv(), "make", "grade")
	require.NoError(t, err, "the tampered scenarios pass the skeletons:\n%s", out)
	res := readResults(t, results, out)
	require.Positive(t, res.MaxScore, out)
	require.Equal(t, res.MaxScore, *res.Score, out)

	// The reference: a plain directory (copied) and a git repository (cloned).
	plain := course(filepath.Join(tmp, "ref-dir"))
	gitRef := course(filepath.Join(tmp, "ref-git"))
	git := []string{"-C", gitRef, "-c", "user.name=socklab", "-c", "user.email=socklab@example.com",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "reference"}} {
		out, err := runIn(t, tmp, cleanEnv(), "git", append(git, args...)...)
		require.NoError(t, err, out)
	}

	for _, ref := range []string{plain, gitRef} {
		t.Run(filepath.Base(ref), func(t *testing.T) {
			require.NoError(t, os.Remove(results))
			out, err := runIn(t, local, cleanEnv(), "make", "grade", "GRADER_REF="+ref)
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the skeletons fail, so make grade fails:\n%s", out)

			res := readResults(t, results, out)
			assert.Positive(t, res.MaxScore, out)
			assert.Zero(t, *res.Score, "graded by the reference's scenarios:\n%s", out)
			assert.Contains(t, out, "Score: 0/")
			assert.NoFileExists(t, filepath.Join(local, ".grader-ref", "results", "results.json"),
				"the results go to the local RESULTS, not the reference's copy")
		})
	}
}

// needTools skips the test when a command it runs is not installed.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			t.Skipf("no %s here: %v", name, err)
		}
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	return root
}

// cleanEnv is this process's environment without what would change what
// make or the grader do: make's own variables, the Makefile's, GitHub
// Actions' (the grader would write into this CI run's outputs), and those
// of the platforms the scripts run on.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "GITHUB_"), strings.HasPrefix(name, "MAKE"),
			name == "MFLAGS", name == "SRC", name == "ASSIGNMENT", name == "RESULTS",
			name == "GRADER_REF", name == "AUTOGRADER_ROOT",
			// The platforms' own: Classroom 50's runner, PrairieLearn's.
			name == "CLASSROOM", name == "SUBMISSION_TAG", name == "COMMIT_URL", name == "RELEASE_URL",
			name == "REVIEW_URL", name == "CLASSROOM50_BUNDLE_DIR", name == "PL_ROOT", name == "SOCKLAB_COURSE",
			name == "SOCKLAB_PRAIRIELEARN_RESULTS", name == "SOCKLAB_ASSIGNMENT":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// runIn runs a command in dir with env, bounded in time, and returns its
// stdout and stderr together.
func runIn(t *testing.T, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	require.NoError(t, ctx.Err(), "%s %s timed out:\n%s", name, strings.Join(args, " "), out)
	return string(out), err
}

func readResults(t *testing.T, path, log string) ciResults {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err, "results.json is written:\n%s", log)
	var res ciResults
	require.NoError(t, json.Unmarshal(data, &res), "results.json is JSON:\n%s", data)
	require.NotNil(t, res.Score, "results.json has a score:\n%s", data)
	return res
}

// copyTree copies the directory src to dst (created), keeping modes and
// symbolic links, and leaving out what git ignores at the top of the
// repository: .git, results/, .grader-ref/.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		switch rel {
		case ".git", "results", ".grader-ref":
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, info.Mode().Perm())
		}
		return nil // sockets and such: not part of the work tree
	})
	require.NoError(t, err)
}
