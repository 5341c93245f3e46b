// examples/client's retain_client, the real binary, against a real server on 127.0.0.1 with
// the shipped rules: it scores a profile (in one language when asked), streams and batches
// examples/customers.jsonl and gets one decision per customer, in order.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <cstdlib>
#include <sstream>

#include "service_test_support.hpp"

namespace retain::service {
namespace {

using testing::read_text;
using testing::TempDir;

const std::string kClient = std::string(RETAIN_BINARY_DIR) + "/bin/retain_client";
const std::string kExamples = std::string(RETAIN_SOURCE_DIR) + "/examples";

struct ClientRun {
  int code = -1;
  std::string out, err;
};

class ExampleClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = testing::start_server(testing::loopback_options(RETAIN_SOURCE_DIR "/rules"));
    ASSERT_TRUE(server_);
  }

  ClientRun client(const std::string& args) {
    const std::string out = dir_.file("out.txt"), err = dir_.file("err.txt");
    const std::string cmd = "'" + kClient + "' --target " + server_->address() + " " + args +
                            " > '" + out + "' 2> '" + err + "'";
    ClientRun r;
    const int status = std::system(cmd.c_str());
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
  }

  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(line);
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
};

TEST_F(ExampleClientTest, ScoresAProfileInOneLanguage) {
  const auto all = client("score " + kExamples + "/profiles/major_customer_many_causes.json");
  ASSERT_EQ(all.code, 0) << all.err;
  const auto zh =
      client("--language zh score " + kExamples + "/profiles/major_customer_many_causes.json");
  ASSERT_EQ(zh.code, 0) << zh.err;
  v1::Decision every, one;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(all.out, &every).ok()) << all.out;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(zh.out, &one).ok()) << zh.out;
  ASSERT_GT(every.causes_size(), 1);
  ASSERT_EQ(one.causes_size(), every.causes_size());
  for (int i = 0; i < one.causes_size(); ++i) {
    EXPECT_EQ(every.causes(i).label().size(), 2u) << every.causes(i).id();
    ASSERT_EQ(one.causes(i).label().size(), 1u) << one.causes(i).id();
    EXPECT_EQ(one.causes(i).label().begin()->first, "zh");
    EXPECT_EQ(one.causes(i).label().begin()->second, every.causes(i).label().at("zh"));
  }
  EXPECT_EQ(one.churn_risk(), every.churn_risk());
}

TEST_F(ExampleClientTest, StreamsAndBatchesEveryCustomerInOrder) {
  const auto customers = lines(read_text(kExamples + "/customers.jsonl"));
  ASSERT_GT(customers.size(), 1000u);
  for (const std::string command : {"stream --compact", "batch --compact --size 250"}) {
    const auto run = client(command + " " + kExamples + "/customers.jsonl");
    ASSERT_EQ(run.code, 0) << command << ": " << run.err;
    const auto decisions = lines(run.out);
    ASSERT_EQ(decisions.size(), customers.size()) << command;
    for (std::size_t i = 0; i < decisions.size(); i += 997) {
      v1::CustomerProfile profile;
      v1::Decision decision;
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(customers[i], &profile).ok());
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(decisions[i], &decision).ok());
      EXPECT_EQ(decision.customer_id(), profile.customer_id()) << command << " line " << i;
    }
  }
}

}  // namespace
}  // namespace retain::service
