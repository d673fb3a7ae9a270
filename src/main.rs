fn main() -> std::process::ExitCode {
    kmslint::cli::main()
}
