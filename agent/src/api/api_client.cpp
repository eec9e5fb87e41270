#include "api/api_client.hpp"

#include <sstream>
#include <stdexcept>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

namespace bosun::agent::api {

ApiResponse call_agent(const std::string& socket_path, const std::string& method,
                       const std::string& path) {
  Poco::Net::StreamSocket socket;
  try {
    socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket_path),
                   Poco::Timespan(5, 0));
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("cannot reach the agent at " + socket_path + " (" +
                             error.displayText() +
                             "); is `bosun-agent run` running with this root?");
  }
  try {
    Poco::Net::HTTPClientSession session(socket);
    session.setTimeout(Poco::Timespan(15, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setHost("bosun-agent");
    request.setContentLength(0);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::ostringstream body;
    Poco::StreamCopier::copyStream(in, body);
    return {static_cast<int>(response.getStatus()), body.str()};
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("the agent at " + socket_path +
                             " did not answer: " + error.displayText());
  }
}

}  // namespace bosun::agent::api
