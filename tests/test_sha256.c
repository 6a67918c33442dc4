/*
 * test_sha256.c: FIPS 180-4 / NIST example vectors, split updates, and
 * the real CMS files' published digests (skipped when absent).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "sha256.h"

static void
check_vectors(void)
{
	char		 hex[SHA256_HEX_LEN + 1];
	const char	*m448 =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	const char	*m896 =
	    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	struct sha256_ctx c;
	unsigned char	 d[SHA256_DIGEST_LEN], *mil;
	size_t		 i;

	sha256_buf("", 0, hex);
	T_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	sha256_buf("abc", 3, hex);
	T_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	sha256_buf(m448, strlen(m448), hex);
	T_EQ_STR(hex, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	sha256_buf(m896, strlen(m896), hex);
	T_EQ_STR(hex, "cf5b16a778af8380036ce59e7b049237"
	    "0b249b11e8f07a51afac45037afee9d1");

	/* One million 'a', in one piece and in odd-sized pieces. */
	mil = malloc(1000000);
	T_OK(mil != NULL);
	if (mil == NULL)
		return;
	memset(mil, 'a', 1000000);
	sha256_buf(mil, 1000000, hex);
	T_EQ_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	sha256_init(&c);
	for (i = 0; i < 1000000; i += 997)
		sha256_update(&c, mil + i, 1000000 - i < 997 ?
		    1000000 - i : 997);
	sha256_final(&c, d);
	sha256_hex(d, hex);
	T_EQ_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	free(mil);

	/* Padding edges: 55, 56, 63, 64 bytes of 'a'. */
	sha256_buf("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    55, hex);
	T_EQ_STR(hex, "9f4390f8d30c2dd92ec9f095b65e2b9a"
	    "e9b0a925a5258e241c9f1e910f734318");
	sha256_buf("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    56, hex);
	T_EQ_STR(hex, "b35439a4ac6f0948b6d6f9e3c6af0f5f"
	    "590ce20f1bde7090ef7970686ec6738a");
	sha256_buf("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaa", 64, hex);
	T_EQ_STR(hex, "ffe054fe7ae0cb6dc65c3af9b61d5209"
	    "f439851db43d0ba5997337df154668eb");
}

static void
check_file(void)
{
	char		 hex[SHA256_HEX_LEN + 1];
	const char	*path;
	struct record_err err;

	path = t_write_file(t_mkdtemp("sha256"), "abc", "abc", 3, 0644);
	T_EQ_INT(sha256_file(path, hex, &err), 0);
	T_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	unlink(path);
	T_EQ_INT(sha256_file(path, hex, &err), -1);
	T_OK(strstr(err.msg, path) != NULL);
	T_OK(strstr(err.msg, "No such file") != NULL);
}

static void
check_shared(void)
{
	const char	*d = t_shared_data();
	char		 path[512], hex[SHA256_HEX_LEN + 1];
	struct record_err err;

	if (d == NULL) {
		t_realdata_skipped("digests of the real CMS files");
		return;
	}
	snprintf(path, sizeof(path), "%s/HCPC2020_ANWEB_w_disclaimer.txt", d);
	T_EQ_INT(sha256_file(path, hex, &err), 0);
	T_EQ_STR(hex, "e7f6f58b91fa54d081be50230a1a34ae"
	    "4671038539a2b42ed055002d395c1063");
	snprintf(path, sizeof(path), "%s/HCPC2019_CONTR_ANWEB.txt", d);
	T_EQ_INT(sha256_file(path, hex, &err), 0);
	T_EQ_STR(hex, "c8e38e89b9b4d47dd81bea6924b8e900"
	    "5f3494a89234fe28b534a7c17c3c6f12");
}

int
main(void)
{
	check_vectors();
	check_file();
	check_shared();
	return t_done();
}
