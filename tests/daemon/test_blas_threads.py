"""The daemon runs numpy's BLAS on one thread (augmem.daemon.runtime.one_blas_thread), set in a
fresh interpreter, the way `augmem daemon run` starts: before anything has imported numpy."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.daemon.proc import ROOT


def test_one_blas_thread_holds_in_a_process_that_had_not_loaded_numpy():
    code = (
        "import sys, json\n"
        "assert 'numpy' not in sys.modules\n"
        "from augmem.daemon.runtime import one_blas_thread\n"
        "one_blas_thread()\n"
        "import numpy as np\n"
        "np.ones((256, 256)) @ np.ones((256, 256))\n"
        "from threadpoolctl import threadpool_info\n"
        "blas = [(i['internal_api'], i['num_threads']) for i in threadpool_info() if i['user_api'] == 'blas']\n"
        "print(json.dumps(blas))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT), timeout=120)
    assert r.returncode == 0, r.stderr
    blas = json.loads(r.stdout)
    assert blas and all(n == 1 for _, n in blas), blas
