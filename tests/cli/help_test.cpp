// Every command's --help, walked from `imgsync --help`: one vocabulary (the destination is
// --to s3://..., time ranges --since/--until, no deprecated spelling shown), its own examples;
// the deprecated spellings still work with a note; parser errors name the command.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "support/run_process.h"
#include "support/test_paths.h"

namespace imgsync::cli {
namespace {

using imgsync::testing::imgsync_binary;
using imgsync::testing::ProcessResult;
using imgsync::testing::run_process;
using imgsync::testing::ScratchDir;

ProcessResult imgsync(const std::vector<std::string>& arguments) {
  return run_process(
      imgsync_binary(), arguments,
      {{"AWS_ACCESS_KEY_ID", "AKIDHELPTEST"}, {"AWS_SECRET_ACCESS_KEY", "help-test-secret"}});
}

std::vector<std::string> words(const std::string& command) {
  std::istringstream stream(command);
  std::vector<std::string> out;
  for (std::string word; stream >> word;) out.push_back(word);
  return out;
}

std::string help_of(const std::string& command) {
  auto arguments = words(command);
  arguments.push_back("--help");
  const ProcessResult result = imgsync(arguments);
  EXPECT_EQ(result.exit_code, 0) << command << ": " << result.err;
  return result.out;
}

// The names under "Subcommands:" in a help text.
std::vector<std::string> subcommands_in(const std::string& help) {
  std::vector<std::string> names;
  std::istringstream stream(help);
  bool inside = false;
  for (std::string line; std::getline(stream, line);) {
    if (line.starts_with("Subcommands:")) {
      inside = true;
    } else if (inside && line.starts_with("  ") && line.size() > 2 && std::isalpha(line[2])) {
      names.push_back(words(line).front());
    } else if (inside && !line.starts_with("  ")) {
      inside = false;
    }
  }
  return names;
}

std::vector<std::string> every_command() {
  std::vector<std::string> commands;
  for (const auto& name : subcommands_in(help_of(""))) {
    commands.push_back(name);
    for (const auto& sub : subcommands_in(help_of(name))) commands.push_back(name + " " + sub);
  }
  return commands;
}

// The commands that work on an archive: each must offer the destination as --to.
const std::vector<std::string> kArchiveCommands = {
    "sync",    "retry",  "status", "verify",         "watch",         "enqueue",
    "init",    "share",  "search", "index rebuild",  "index publish", "index pull",
    "publish", "doctor", "serve",  "catalog compact", "index migrate"};

TEST(Help, EveryCommandIsWalkedAndUsesTheOneVocabulary) {
  const auto commands = every_command();
  for (const auto& expected : kArchiveCommands) {
    EXPECT_NE(std::find(commands.begin(), commands.end(), expected), commands.end())
        << expected << " is missing from imgsync --help";
  }
  const std::regex destination_flag(R"(\n\s+--to TEXT\s+the destination s3://BUCKET\[/PREFIX\])");
  for (const auto& command : commands) {
    const std::string help = help_of(command);
    EXPECT_EQ(help.find("--destination"), std::string::npos) << command << " shows --destination";
    EXPECT_EQ(help.find("--from"), std::string::npos) << command << " shows --from";
    const bool archive = std::find(kArchiveCommands.begin(), kArchiveCommands.end(), command) !=
                         kArchiveCommands.end();
    EXPECT_EQ(std::regex_search(help, destination_flag), archive)
        << command << (archive ? " lacks" : " has") << " --to as the destination:\n"
        << help;
  }
  const std::string search = help_of("search");
  EXPECT_NE(search.find("--since"), std::string::npos);
  EXPECT_NE(search.find("--until"), std::string::npos);
}

TEST(Help, EachCommandShowsItsOwnExamples) {
  for (const auto& command : every_command()) {
    const std::string help = help_of(command);
    const auto examples = help.find("Examples:\n");
    ASSERT_NE(examples, std::string::npos) << command << " has no examples";
    // The first example is of this command (for a command group, of one of its subcommands).
    EXPECT_EQ(help.compare(examples + 10, 10 + command.size(), "  imgsync " + command), 0)
        << command << ":\n"
        << help.substr(examples);
  }
}

TEST(Help, DeprecatedSpellingsStillWorkWithANote) {
  ScratchDir state("imgsync-help");
  const auto result = imgsync({"search", "--destination", "s3://bucket/prefix", "--state-dir",
                               state.path().string(), "--from", "2026-05-01", "--to", "2026-05-31",
                               "--format", "keys"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("--destination is deprecated"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("use --to"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("--from is deprecated"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("--to as a time is deprecated"), std::string::npos) << result.err;
  // The old --to time is still read as the end of the range: an inverted range is refused.
  const auto inverted =
      imgsync({"search", "--to", "s3://bucket/prefix", "--state-dir", state.path().string(),
               "--since", "2026-05-31", "--until", "2026-05-01"});
  EXPECT_EQ(inverted.exit_code, 2);
  EXPECT_NE(inverted.err.find("--until 2026-05-01 is before --since 2026-05-31"), std::string::npos)
      << inverted.err;
}

TEST(Help, ParserErrorsNameTheCommand) {
  const auto bad_value = imgsync({"search", "--limit", "many"});
  EXPECT_EQ(bad_value.exit_code, 2);
  EXPECT_TRUE(bad_value.err.starts_with("imgsync search: ")) << bad_value.err;
  EXPECT_NE(bad_value.err.find("imgsync search --help"), std::string::npos) << bad_value.err;
  const auto unknown = imgsync({"index", "rebuild", "--no-such-flag"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(unknown.err.starts_with("imgsync index rebuild: ")) << unknown.err;
  const auto top = imgsync({"--no-such-flag"});
  EXPECT_EQ(top.exit_code, 2);
  EXPECT_TRUE(top.err.starts_with("imgsync: ")) << top.err;
}

// --metadata-jobs (sync, retry, watch): 0..64, said with the flag, the value and the fix, before
// anything is read or sent.
TEST(Help, MetadataJobsOutOfRangeIsRefusedNamingTheFlag) {
  ScratchDir dir("imgsync-help-metadata-jobs");
  for (const char* command : {"sync", "retry", "watch"}) {
    for (const char* value : {"-1", "65", "100000"}) {
      const auto result =
          imgsync({command, dir.path().string(), "--to", "s3://bucket/prefix", "--state-dir",
                   (dir.path() / "state").string(), "--metadata-jobs", value});
      EXPECT_EQ(result.exit_code, 2) << command << " " << value << ": " << result.err;
      EXPECT_NE(result.err.find(std::string("--metadata-jobs ") + value +
                                ": must be from 0 to 64 (0, the default: one worker process per "
                                "core; 1: read the metadata in the imgsync process itself)"),
                std::string::npos)
          << result.err;
      EXPECT_FALSE(std::filesystem::exists(dir.path() / "state")) << "nothing was started";
    }
  }
  const auto not_a_number = imgsync(
      {"sync", dir.path().string(), "--to", "s3://bucket/prefix", "--metadata-jobs", "all"});
  EXPECT_EQ(not_a_number.exit_code, 2);
  EXPECT_NE(not_a_number.err.find("--metadata-jobs"), std::string::npos) << not_a_number.err;
  const auto help = help_of("sync");
  EXPECT_NE(help.find("--metadata-jobs"), std::string::npos) << help;
}

TEST(Help, PublishWithoutADestinationAsksForTheFlagItAccepts) {
  ScratchDir cwd("imgsync-help-cwd");
  const auto result = run_process(
      "/bin/sh",
      {"-c",
       "cd '" + cwd.path().string() + "' && exec '" + imgsync_binary().string() + "' publish"},
      {{"AWS_ACCESS_KEY_ID", "AKIDHELPTEST"}, {"AWS_SECRET_ACCESS_KEY", "help-test-secret"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("pass --to s3://"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace imgsync::cli
