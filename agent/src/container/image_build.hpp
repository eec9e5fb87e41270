#pragma once
// A deploy's images: every container service with `build:` gets `ENGINE build -t
// bosun-APP-SERVICE:RELEASE -f DOCKERFILE CONTEXT`, its output in the release's build log.
// What is missing (a context folder or Dockerfile not in the release) is said with the
// manifest's file:line:col before anything runs; a failed build names the Dockerfile line of
// the step that failed.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"

namespace bosun::agent::container {

struct ImageBuildSite {
  std::string release_id;
  std::string release_dir;
  std::map<std::string, std::string> env;  // the engine CLI's (DOCKER_HOST, PATH...)
  std::string log_path;
  std::string pid_record;
  std::chrono::milliseconds timeout{1'200'000};
};

struct ImageBuildOutcome {
  bool succeeded = true;
  std::vector<std::string> built;  // image tags
  std::string failure;             // "image of web: Dockerfile:4: RUN npm ci: exited with code 1"
};

// "" when every build's context and Dockerfile are in the release; else each missing one as
// "FILE:LINE:COL: services.S.container.build: ...", one per line.
std::string missing_build_inputs(const manifest::Manifest& manifest,
                                 const std::string& release_dir);
ImageBuildOutcome build_images(const manifest::Manifest& manifest, const ImageBuildSite& site);

// The last builder step a log shows: "Step 3/5 : ..." (docker) or "STEP 3/5: ..." (podman);
// 0 when there is none.
int last_build_step(const std::string& log_text);
// The Dockerfile line where instruction `step` (1-based) begins; 0 when there is no such step.
int dockerfile_line_of_step(const std::string& dockerfile, int step);

}  // namespace bosun::agent::container
