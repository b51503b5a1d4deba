#include "api/web_assets.h"

#include <sys/stat.h>

#include <filesystem>
#include <map>

#include "api/problem.h"
#include "api/request.h"

namespace docket::api {
namespace {

namespace fs = std::filesystem;

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string_view ContentType(std::string_view path) {
  static const std::map<std::string_view, std::string_view> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  auto it = kTypes.find(path.substr(dot));
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

bool AcceptsGzip(const Request& req) {
  // Enough for what browsers send ("gzip, deflate, br, zstd"); a q=0 for
  // gzip is not worth honouring specially: no browser sends it.
  return HeaderValue(req, "Accept-Encoding").find("gzip") != std::string::npos;
}

Reply& Secure(Reply& r) {
  r.Header("Content-Security-Policy", kContentSecurityPolicy);
  r.Header("X-Content-Type-Options", "nosniff");
  r.Header("Referrer-Policy", "same-origin");
  r.Header("X-Frame-Options", "DENY");
  r.Header("Cross-Origin-Opener-Policy", "same-origin");
  return r;
}

}  // namespace

Result<WebAssets> WebAssets::Open(const std::string& root) {
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec);
  if (ec) return InvalidArgumentError("web root " + root + ": " + ec.message());
  std::string dir = abs.lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (!IsRegularFile(dir + "/index.html")) {
    return InvalidArgumentError("web root " + root +
                                " has no index.html (build the portal: npm run build in web/)");
  }
  return WebAssets(std::move(dir));
}

bool WebAssets::IsApiPath(std::string_view path) {
  return path == "/api" || path.starts_with("/api/");
}

Reply WebAssets::Serve(const Request& req) const {
  if (req.method != http::verb::get) {
    Reply r = Problem(405, "method-not-allowed", "the portal's pages and files are read with GET");
    r.Header("Allow", "GET");
    return Secure(r);
  }
  for (const auto& segment : req.segments) {
    if (!segment.empty() && segment[0] == '.') {
      Reply r = Problem(404, "not-found", "no such file");
      return Secure(r);
    }
  }
  Reply r;
  std::string path = req.path.empty() || req.path == "/" ? "/index.html" : req.path;
  if (path.find('\0') != std::string::npos || path.find("/.") != std::string::npos) {
    Reply nf = Problem(404, "not-found", "no such file");
    return Secure(nf);
  }
  std::string file = root_ + path;
  if (!IsRegularFile(file)) {
    const std::string_view last = std::string_view(path).substr(path.rfind('/') + 1);
    if (last.find('.') != std::string_view::npos) {
      Reply nf = Problem(404, "not-found", "no such file: " + path.substr(0, 200));
      return Secure(nf);
    }
    path = "/index.html";  // a portal page: the portal's router shows it
    file = root_ + path;
  }
  r.Header("Content-Type", std::string(ContentType(path)));
  r.Header("Cache-Control", path.starts_with("/assets/") ? "public, max-age=31536000, immutable"
                                                          : "no-cache");
  r.file_path = file;
  if (AcceptsGzip(req) && IsRegularFile(file + ".gz")) {
    r.file_path = file + ".gz";
    r.Header("Content-Encoding", "gzip");
  }
  r.Header("Vary", "Accept-Encoding");
  return Secure(r);
}

}  // namespace docket::api
