"""``python -m kmslint ARGS``: run the ``kmslint`` binary this wheel installed with ``ARGS``.

The wheel (maturin, ``bindings = "bin"``) puts the binary in the scripts directory of the
scheme pip installed into: the environment's (a virtualenv, pipx, uv tool), the user's
(``pip install --user``), or ``<target>/bin`` beside the package (``pip install --target``).
Looking in those, rather than on ``PATH``, runs the kmslint of this interpreter's
installation, not another one earlier on ``PATH``.
"""

import os
import subprocess
import sys
import sysconfig


def _user_scheme():
    """The install scheme of ``pip install --user`` for this interpreter."""
    if sys.version_info >= (3, 10):
        return sysconfig.get_preferred_scheme("user")
    if os.name == "nt":
        return "nt_user"
    if sys.platform == "darwin" and getattr(sys, "_framework", None):
        return "osx_framework_user"
    return "posix_user"


def find_kmslint_bin():
    """The path of the installed ``kmslint`` binary; FileNotFoundError if there is none."""
    exe = "kmslint" + (sysconfig.get_config_var("EXE") or "")
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates = [
        os.path.join(sysconfig.get_path("scripts"), exe),
        os.path.join(sysconfig.get_path("scripts", scheme=_user_scheme()), exe),
        os.path.join(package_parent, "bin", exe),
    ]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(
        "kmslint: the kmslint binary is not installed beside this package; looked for "
        + ", ".join(candidates)
    )


def main():
    try:
        kmslint = find_kmslint_bin()
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    args = [kmslint, *sys.argv[1:]]
    if os.name == "nt":
        # Windows has no exec that replaces the process (os.execv starts a new one and
        # returns at once): wait for the binary and pass its status on.
        return subprocess.call(args)
    os.execv(kmslint, args)
    return 2  # os.execv does not return


if __name__ == "__main__":
    sys.exit(main())
