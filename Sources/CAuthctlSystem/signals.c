// SIGINT/SIGTERM for the whole program (SPEC §6: exit 130 / 143, nothing half-written left
// behind). The handler only calls async-signal-safe functions: unlink and _exit.
#define _POSIX_C_SOURCE 200809L
#include "CAuthctlSystem.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

// The temp file the keystore is writing; a fixed buffer because a handler cannot allocate.
static char temp_path[4096];
static volatile sig_atomic_t temp_path_set;

static void on_signal(int number) {
  if (temp_path_set) unlink(temp_path);
  _exit(number == SIGINT ? 130 : 143);
}

void authctl_install_signal_handlers(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  // Block both signals while the handler runs, so a second one cannot interrupt the unlink.
  sigemptyset(&action.sa_mask);
  sigaddset(&action.sa_mask, SIGINT);
  sigaddset(&action.sa_mask, SIGTERM);
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
}

void authctl_register_temp_path(const char *path) {
  // Cleared first, so a signal arriving mid-copy never sees a half-written path.
  temp_path_set = 0;
  atomic_signal_fence(memory_order_seq_cst);
  size_t length = strlen(path);
  // Longer than PATH_MAX: no such file can be created, so there is nothing to remove.
  if (length >= sizeof temp_path) return;
  memcpy(temp_path, path, length + 1);
  atomic_signal_fence(memory_order_seq_cst);
  temp_path_set = 1;
}

void authctl_clear_temp_path(void) { temp_path_set = 0; }
