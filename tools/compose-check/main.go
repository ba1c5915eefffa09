// compose-check validates docker-compose.yml where Docker does not run: it loads the file with
// compose-go (the parser of `docker compose` itself), every profile enabled and the variables of
// an example env file, and checks every image it would pull, and the FROM images of the
// Dockerfiles it builds, against a list of tags known to be published, and that every service
// waited for as healthy has a healthcheck. It also loads the file with no variables at all,
// which must fail: secrets come from the environment, not the file.
//
//	compose-check -file docker-compose.yml -env-file deploy/compose.env.example -tags deploy/image-tags.txt
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func load(ctx context.Context, file string, envFiles []string) (*types.Project, error) {
	options, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		// Only the given env file: neither this shell's variables nor a local .env decide the outcome.
		cli.WithEnvFiles(envFiles...),
		cli.WithDotEnv,
		cli.WithProfiles([]string{"*"}),
	)
	if err != nil {
		return nil, err
	}
	return options.LoadProject(ctx)
}

// readTags reads one image reference per line; '#' starts a comment.
func readTags(file string) (map[string]bool, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tags := map[string]bool{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(strings.SplitN(scanner.Text(), "#", 2)[0])
		if line != "" {
			tags[line] = true
		}
	}
	return tags, scanner.Err()
}

// dockerfileImages lists the images of a Dockerfile's FROM lines, leaving out earlier stages.
func dockerfileImages(file string) ([]string, error) {
	content, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	stages := map[string]bool{}
	var images []string
	for _, line := range strings.Split(string(content), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || !strings.EqualFold(fields[0], "FROM") {
			continue
		}
		args := fields[1:]
		for len(args) > 0 && strings.HasPrefix(args[0], "--") {
			args = args[1:]
		}
		if len(args) == 0 {
			continue
		}
		if !stages[strings.ToLower(args[0])] {
			images = append(images, args[0])
		}
		if len(args) == 3 && strings.EqualFold(args[1], "AS") {
			stages[strings.ToLower(args[2])] = true
		}
	}
	return images, nil
}

func check(ctx context.Context, file, envFile, tagsFile string) []string {
	var problems []string
	if _, err := load(ctx, file, nil); err == nil {
		problems = append(problems, "loads without any variable set: a secret must come from the environment (${VAR:?...})")
	} else if !strings.Contains(err.Error(), "required variable") {
		problems = append(problems, fmt.Sprintf("fails without variables, but not for a required one: %v", err))
	}
	project, err := load(ctx, file, []string{envFile})
	if err != nil {
		return append(problems, fmt.Sprintf("does not load with %s: %v", envFile, err))
	}
	tags, err := readTags(tagsFile)
	if err != nil {
		return append(problems, err.Error())
	}
	known := func(where, image string) {
		if !tags[image] {
			problems = append(problems, fmt.Sprintf("%s: image %q is not in %s", where, image, tagsFile))
		}
	}
	services := project.AllServices()
	names := make([]string, 0, len(services))
	for name := range services {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		service := services[name]
		// `docker compose up` refuses to wait for the health of a service that has no healthcheck.
		for dependency, condition := range service.DependsOn {
			target, ok := services[dependency]
			healthy := ok && target.HealthCheck != nil && !target.HealthCheck.Disable && len(target.HealthCheck.Test) > 0
			if condition.Condition == types.ServiceConditionHealthy && !healthy {
				problems = append(problems, fmt.Sprintf("service %s waits for %s to be healthy, but %s has no healthcheck", name, dependency, dependency))
			}
		}
		if service.Build == nil {
			if service.Image == "" {
				problems = append(problems, fmt.Sprintf("service %s: neither image nor build", name))
			} else {
				known("service "+name, service.Image)
			}
			continue
		}
		dockerfile := service.Build.Dockerfile
		if dockerfile == "" {
			dockerfile = "Dockerfile"
		}
		if !filepath.IsAbs(dockerfile) {
			dockerfile = filepath.Join(service.Build.Context, dockerfile)
		}
		images, err := dockerfileImages(dockerfile)
		if err != nil {
			problems = append(problems, fmt.Sprintf("service %s: %v", name, err))
		}
		for _, image := range images {
			known(fmt.Sprintf("service %s (%s)", name, filepath.Base(dockerfile)), image)
		}
	}
	if len(problems) == 0 {
		fmt.Printf("%s: %d services, every image published (%s)\n", file, len(services), tagsFile)
	}
	return problems
}

func main() {
	file := flag.String("file", "docker-compose.yml", "compose file")
	envFile := flag.String("env-file", "deploy/compose.env.example", "variables to load it with")
	tagsFile := flag.String("tags", "deploy/image-tags.txt", "image references known to be published")
	flag.Parse()
	absFile, err := filepath.Abs(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	problems := check(context.Background(), absFile, *envFile, *tagsFile)
	for _, problem := range problems {
		fmt.Fprintf(os.Stderr, "%s: %s\n", *file, problem)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}
