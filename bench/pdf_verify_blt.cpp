// Benchmark (issue 18): verifying a PAdES B-LT PDF offline, every piece of validation data
// embedded (certagent-cli verify --offline), against poppler's pdfsig on the same file
// (-no-ocsp: offline too; and its default, which asks the OCSP responder). The PDF is made
// here with the revocation test lab (openssl ca/ocsp/ts); medians of N runs, ratio printed.
//   bench_pdf_verify_blt CERTAGENT_CLI [N]
#include <revocation_lab.hpp>

#include <certagent/core/pdf/sign.hpp>
#include <certagent/core/pdf/simple_pdf.hpp>
#include <certagent/core/signing/long_term.hpp>
#include <certagent/core/signing/verify.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

using namespace certagent;
namespace fs = std::filesystem;

static double medianMs(int n, const std::vector<std::string>& argv, int expect_exit) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto r = testing::runProcess(argv);
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
        if (expect_exit >= 0 && r.exit_code != expect_exit) {
            std::cerr << argv[0] << " exited " << r.exit_code << ": " << r.out << r.err << "\n";
            std::exit(1);
        }
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_pdf_verify_blt CERTAGENT_CLI [N]\n";
        return 2;
    }
    const std::string cli = argv[1];
    const int n = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
    testing::RevocationLab lab;
    const auto in = lab.dir() / "in.pdf";
    pdf::makeSimplePdf(in, {"Contract", {"Benchmark: PAdES B-LT verified offline."}});
    auto signer = lab.signer(lab.issue("bench"));
    pdf::SignOptions options;
    options.timestamper = [&](std::span<const uint8_t> v) { return lab.timestamp(v); };
    const auto bt = lab.dir() / "bt.pdf", blt = lab.dir() / "blt.pdf";
    pdf::signPdf(in, bt, signer, options);
    auto store = signing::makeTrustStore({lab.rootPem()});
    signing::RevocationChecker checker({});
    signing::ExtendOptions ext;
    ext.level = signing::PadesLevel::BLT;
    ext.anchors = store.get();
    ext.revocation = &checker;
    signing::extendPdf(bt, blt, ext);
    testing::writeFile(lab.dir() / "agent.toml", "[verify]\nrevocation = \"offline\"\n");

    const std::vector<std::string> ours{cli,
                                        "--config",
                                        (lab.dir() / "agent.toml").string(),
                                        "--state-dir",
                                        (lab.dir() / "state").string(),
                                        "verify",
                                        blt.string(),
                                        "--offline",
                                        "--trust",
                                        lab.rootPem().string()};
    const std::vector<std::string> pdfsig_offline{"pdfsig", "-no-ocsp", "-nssdir",
                                                  "sql:" + lab.nssDir().string(), blt.string()};
    const std::vector<std::string> pdfsig_default{"pdfsig", "-nssdir",
                                                  "sql:" + lab.nssDir().string(), blt.string()};
    medianMs(2, ours, 0);  // warm the page cache
    const double a = medianMs(n, ours, 0);
    const double b = medianMs(n, pdfsig_offline, -1);
    const double c = medianMs(n, pdfsig_default, -1);
    std::printf("PAdES B-LT, %zu bytes, median of %d runs\n", fs::file_size(blt), n);
    std::printf("  certagent-cli verify --offline   %8.1f ms  (TOTAL-PASSED, evidence embedded)\n",
                a);
    std::printf("  pdfsig -no-ocsp                  %8.1f ms\n", b);
    std::printf("  pdfsig (asks the OCSP responder) %8.1f ms\n", c);
    std::printf("  ratio certagent / pdfsig -no-ocsp: %.2f\n", a / b);
    return 0;
}
