#include <linux/module.h>
#define INCLUDE_VERMAGIC
#include <linux/build-salt.h>
#include <linux/elfnote-lto.h>
#include <linux/export-internal.h>
#include <linux/vermagic.h>
#include <linux/compiler.h>

BUILD_SALT;
BUILD_LTO_INFO;

MODULE_INFO(vermagic, VERMAGIC_STRING);
MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
#ifdef CONFIG_MODULE_UNLOAD
	.exit = cleanup_module,
#endif
	.arch = MODULE_ARCH_INIT,
};

#ifdef CONFIG_RETPOLINE
MODULE_INFO(retpoline, "Y");
#endif

SYMBOL_CRC(pgcluster_alloc_node, 0x0e04ef0f, "_gpl");
SYMBOL_CRC(pgcluster_alloc, 0xf9d5b05d, "_gpl");
SYMBOL_CRC(pgcluster_free, 0xc4953a87, "_gpl");
SYMBOL_CRC(pgcluster_size, 0xb83ef851, "_gpl");
SYMBOL_CRC(pgcluster_is_virtual, 0x551480d2, "_gpl");

static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0xc31db0ce, "is_vmalloc_addr" },
	{ 0x3b6c41ea, "kstrtouint" },
	{ 0xdef3fb11, "seq_lseek" },
	{ 0x9493fc86, "node_states" },
	{ 0xbdfb6dbb, "__fentry__" },
	{ 0x92997ed8, "_printk" },
	{ 0x1d24c881, "___ratelimit" },
	{ 0x4d06a092, "param_get_uint" },
	{ 0xa19b956, "__stack_chk_fail" },
	{ 0xedd0b017, "debugfs_remove" },
	{ 0x5b8239ca, "__x86_return_thunk" },
	{ 0x1db3ba77, "seq_read" },
	{ 0x59edad5e, "debugfs_create_file" },
	{ 0xe5b3abad, "param_ops_bool" },
	{ 0xf0949581, "seq_printf" },
	{ 0xc7c7a019, "single_release" },
	{ 0xc941a41a, "single_open" },
	{ 0xf4316fcd, "debugfs_create_dir" },
	{ 0x9060323f, "module_layout" },
};

MODULE_INFO(depends, "");

