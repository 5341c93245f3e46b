// The real `retain serve` binary as a child process: it logs where it listens, reloads on
// SIGHUP, drains in-flight calls on SIGTERM and exits 0, and refuses rules with errors (exit 2).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "service_test_support.hpp"

extern char** environ;

namespace retain::service {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::request;
using testing::TempDir;

const std::string kRetain = std::string(RETAIN_BINARY_DIR) + "/bin/retain";

// A child process whose stderr goes to a file.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& log_path) : log_(log_path) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  bool started() const { return pid_ > 0; }
  void signal(int sig) { ::kill(pid_, sig); }
  std::string log() const { return testing::read_text(log_); }

  // The exit code, or -1 when the child did not exit within `limit` (it is then killed).
  int wait(std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

  // The port from the start line: `event=start listen=127.0.0.1:PORT ...`.
  int port(std::chrono::milliseconds limit = 30s) {
    // (No std::regex: GCC 12 warns inside it under the sanitizers, and warnings are errors.)
    static const std::string kStart = "event=start listen=127.0.0.1:";
    int found = 0;
    eventually(
        [&] {
          const auto text = log();
          const auto at = text.find(kStart);
          if (at == std::string::npos) return false;
          std::size_t i = at + kStart.size();
          int port = 0;
          while (i < text.size() && text[i] >= '0' && text[i] <= '9')
            port = port * 10 + (text[i++] - '0');
          found = port;
          return found != 0;
        },
        limit);
    return found;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

class ServeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kRetain.c_str(), X_OK), 0) << kRetain << " is not built";
    dir_.write("main.rules", testing::rules_text("1"));
  }
  std::vector<std::string> args() const {
    return {kRetain,    "serve",       "--rules",         dir_.path().string(),
            "--listen", "127.0.0.1:0", "--drain-seconds", "10"};
  }
  TempDir dir_;
};

TEST_F(ServeProcessTest, SigtermDrainsInFlightCallsAndExitsZero) {
  Child child(args(), dir_.file("serve.log"));
  ASSERT_TRUE(child.started());
  const int port = child.port();
  ASSERT_NE(port, 0) << child.log();
  auto client = v1::RetentionEngine::NewStub(testing::channel("127.0.0.1:" + std::to_string(port)));

  grpc::ClientContext ctx;
  ctx.set_deadline(testing::in(20s));
  auto stream = client->EvaluateStream(&ctx);
  v1::EvaluateResponse r;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(stream->Write(request("P-" + std::to_string(i))));
    ASSERT_TRUE(stream->Read(&r));
  }
  child.signal(SIGTERM);
  ASSERT_TRUE(eventually([&] { return child.log().find("event=drain") != std::string::npos; }))
      << child.log();
  // The stream that was in flight when SIGTERM came still completes.
  for (int i = 5; i < 10; ++i) {
    ASSERT_TRUE(stream->Write(request("P-" + std::to_string(i))));
    ASSERT_TRUE(stream->Read(&r));
    EXPECT_EQ(r.decision().customer_id(), "P-" + std::to_string(i));
  }
  stream->WritesDone();
  EXPECT_FALSE(stream->Read(&r));
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(child.wait(30s), 0) << child.log();
  EXPECT_NE(child.log().find("event=stop"), std::string::npos) << child.log();
}

TEST_F(ServeProcessTest, SighupReloadsTheRules) {
  Child child(args(), dir_.file("serve.log"));
  ASSERT_TRUE(child.started());
  const int port = child.port();
  ASSERT_NE(port, 0) << child.log();
  auto client = v1::RetentionEngine::NewStub(testing::channel("127.0.0.1:" + std::to_string(port)));
  auto version = [&] {
    grpc::ClientContext ctx;
    ctx.set_deadline(testing::in(5s));
    v1::GetRuleSetResponse response;
    return client->GetRuleSet(&ctx, {}, &response).ok() ? response.ruleset().version()
                                                        : std::string("?");
  };
  EXPECT_EQ(version(), "1");
  dir_.write("main.rules", testing::rules_text("2"));
  child.signal(SIGHUP);
  // Generous limits: under the sanitizers and a loaded machine a reload takes a while.
  EXPECT_TRUE(eventually([&] { return version() == "2"; }, 30s)) << child.log();
  EXPECT_NE(child.log().find("event=reload trigger=SIGHUP ok=true"), std::string::npos)
      << child.log();
  // A broken file on SIGHUP is logged and refused; version 2 keeps serving.
  dir_.write("main.rules", testing::bad_rules_text());
  child.signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return child.log().find("ok=false") != std::string::npos; }, 30s))
      << child.log();
  EXPECT_EQ(version(), "2");
  child.signal(SIGINT);
  EXPECT_EQ(child.wait(30s), 0) << child.log();
}

TEST_F(ServeProcessTest, RulesWithErrorsExitTwo) {
  dir_.write("main.rules", testing::bad_rules_text());
  Child child(args(), dir_.file("serve.log"));
  ASSERT_TRUE(child.started());
  EXPECT_EQ(child.wait(15s), 2) << child.log();
  EXPECT_NE(child.log().find("quality_complaints_9d"), std::string::npos) << child.log();
}

TEST_F(ServeProcessTest, BadFlagsExitOne) {
  Child child({kRetain, "serve", "--listen", "127.0.0.1:0"}, dir_.file("serve.log"));
  ASSERT_TRUE(child.started());
  EXPECT_EQ(child.wait(15s), 1) << child.log();
}

}  // namespace
}  // namespace retain::service
