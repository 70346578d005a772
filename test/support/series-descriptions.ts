/**
 * Series descriptions as scanners and sites write them (Siemens, GE, Philips protocol and derived
 * series names, typed from public protocol guides and the vendors' defaults), for de-identification
 * tests: none carries an identifier, so none may change — however a study ID of the same digits as
 * one of their numbers (StudyID 1000 beside "b1000") is cut.
 */
export const SIEMENS = [
  'localizer', 'AAHead_Scout_32ch-head-coil', 'AAHead_Scout_64ch-head-coil_MPR_sag', 'localizer_3plane', 'Localizer 3-plane',
  't1_mprage_sag_p2_iso', 't1_mprage_sag_p2_iso_0.9', 'T1_MPRAGE_SAG_1mm', 't1_mprage_tra_iso_ND', 't1_se_tra', 't1_se_tra_fs_post',
  't1_fl2d_tra', 't1_tse_dark-fluid_tra', 't1_vibe_fs_tra_p2', 't1_space_sag_p2_iso_post', 'T1 MPRAGE SAG P2 1.0 ISO',
  't2_tse_tra', 't2_tse_tra_3mm', 't2_tse_cor_p2', 't2_tse_dark-fluid_tra', 't2_tse_dark-fluid_tra_3mm', 't2_blade_tra', 't2_blade_cor_p2',
  't2_space_sag_p2_iso', 't2_spc_da-fl_sag_p2_iso', 't2_spc_da-fl_sag_p2_iso_1.0', 't2_flair_tra_p2', 't2_swi_tra_p2_1.5mm',
  't2_de_tse_tra', 'pd_tse_tra', 'pd+t2_tse_tra', 'swi_tra_p2_1.5mm', 'SWI_Images', 'Mag_Images', 'Pha_Images', 'mIP_Images(SW)',
  'ep2d_diff_mddw_20_p2', 'ep2d_diff_mddw_30_p2_s2', 'ep2d_diff_3scan_trace_p2', 'ep2d_diff_3scan_trace_p2_TRACEW', 'ep2d_diff_3scan_trace_p2_ADC',
  'ep2d_diff_b1000_TRACEW', 'ep2d_diff_tra_b50_b800', 'ep2d_diff_tra_b0_b1000', 'ep2d_diff_mddw_64_b2000', 'ep2d_diff_rs_b1000',
  'resolve_4scan_trace_tra_p2', 'DIFFUSION_HighRes_b1000_p2', 'ep2d_bold_moco', 'ep2d_bold_rest_TR2000', 'ep2d_bold_3mm_TR2500',
  'cmrr_mbep2d_bold_mb6', 'cmrr_mbep2d_bold_mb8_2.4iso', 'cmrr_mbep2d_diff_b3000_AP', 'cmrr_mbep2d_se_PA', 'MoCoSeries',
  'ep2d_pcasl_PHC_1800ms', 'tgse_pcasl_PLD1800', 'pcasl_PLD2000_LD1800', 'ep2d_pasl_TI1800', 'relCBF', 'ep2d_perf_p2', 'ep2d_perf_128',
  'gre_field_mapping', 'gre_field_mapping_3mm', 'tfl_b1map', 'B1map_TR5000', 'fl3d_tof_tra', 'tof_3d_multi-slab', 'ToF_3D_multi-slab_MIP',
  'fl3d_vibe_dyn', 'Head_MRA_tof_fl3d', 'MPR Range', 'MPR_sag', 'MPR_cor', 'T1_MPR_tra', 't1_mp2rage_sag_p3_0.75mm_INV1', 'UNI-DEN',
  'fl2d1_r', 'se_mc_TE12', 'tse_mc_TE15', 'mbME_TE100', 'T2 TSE TR4000 TE100', 'FLAIR TR9000 TI2500', 'FLAIR_TI2400_TE95',
  'ep2d_diff_free_p2_DTI_64dir', 'DTI_30dir_b1000', 'DTI 64 directions b1000', 'csi_se_135', 'svs_se_30', 'svs_se_TE135',
];

export const GE = [
  '3Plane Loc SSFSE', '3-PL T2 FSE', 'ASSET Calibration', 'Calibration Scan', 'Ax T2 FRFSE', 'Ax T2 FSE', 'Ax T2 PROPELLER',
  'Cor T2 PROPELLER', 'Ax T2 FLAIR', 'Sag T2 FLAIR CUBE', 'Sag CUBE T2 FLAIR', 'Ax T1 SE', 'Ax T1 FLAIR', 'Ax T1 FLAIR+C',
  'Sag T1 FLAIR', 'Sag 3D T1 BRAVO', 'Ax 3D BRAVO+C', 'Sag T1 FSPGR BRAVO', 'Ax FSPGR 3D', 'MPRAGE PROMO', 'Sag MPRAGE PROMO 1mm',
  'Ax DWI 1000b', 'Ax DWI b1000', 'Ax DWI b1000 ASSET', 'Ax DWI b2000 hb2', 'Ax DWI 1000b hb3', 'Ax DWI ASSET 1000', 'MUSE DWI b1000',
  'Ax DTI 30dir', 'Ax DTI 64dir b1000', 'DTI 25 dir b1000', 'Apparent Diffusion Coefficient (mm2/s)', 'Exponential Apparent Diffusion Coefficient',
  'Isotropic image', 'FA', 'Ax SWAN', 'Ax SWI', 'Ax T2* GRE', 'Ax GRE T2*', 'Ax 3D TOF', 'Ax 3D TOF 3 slab', '3D ASL (non-contrast)',
  '3D ASL PLD 2025', 'Cerebral Blood Flow', 'Ax eASL 7 delay', 'rsfMRI HyperBand', 'fMRI rest 240', 'HB3 rsfMRI', 'Ax fMRI HB6',
  'Sag CUBE T2', 'Ax T2 FS', 'Cor T1 SE FS +C', 'Ax T1 FSE', 'Sag T1 SE 5mm', 'Ax T2 FSE 5mm', 'B0 Map', 'MAGiC', 'SyMRI',
  'Ax T1 MAVRIC', 'Ax PD FSE', 'Screen Save', 'Dose Report', 'PU:Ax DWI 1000b', 'ORIG:Sag 3D T1', 'REFORMAT Ax T1',
];

export const PHILIPS = [
  'SURVEY', 'Survey', 'SmartBrain', 'SmartExam', 'Ref_Head32ch', 'Ref_HeadNeck_16', 'Head_32ch', 'SENSE Refscan', 'T1W_3D_TFE',
  'sT1W_3D_TFE', 'T1W_3D_TFE_SENSE', 'sT1W_3D_TFE_1mm', 'T1W_3D_TFE_1.0mm', 'T1_3D_TFE', 'T1W_SE', 'T1W_SE_CLEAR', 'T1W_FFE',
  'T1W_SE_Gd', 'T1W_3D_TFE_Gd', 'T2W_TSE', 'T2W_TSE_TRA', 'T2W_TSE_SENSE', 'T2W_FLAIR', 'T2W_FLAIR_SENSE', '3D_FLAIR',
  '3D_FLAIR_SENSE', 'VISTA_FLAIR', 'T2W_FFE', 'T2*_FFE', 'FFE_TE30', 'SWIp', 'SWIp_mIP', 'VEN_BFFE', 'PCA 3D', 'QFlow_150',
  'DWI_SENSE', 'DWI_b0_1000', 'DWI b1000 SENSE', 'Reg - DWI SENSE', 'dReg - DWI SENSE', 'dADC', 'eADC', 'ADC', 'B1000 ADC',
  'DTI_high_iso', 'DTI_medium_iso SENSE', 'DTI_32dir', 'WIP DTI 32 dir', 'sWIP DTI_64', 'DTI_b1000_32', 'pCASL_SENSE',
  'pCASL_PLD1800', 'fMRI_rest_SENSE', 'fMRI_rest_MB4', 'B0_map', 'B0_map_pha', 'B1_map', 'TOF_3D_multi_chunk', 'sTOF_3D',
  'PRESS_TE144', 'PRESS_TE35', 'DelRec - T1W_3D_TFE', 'PU:DWI_SENSE', 'ADC_1000', 'T1W_mDIXON', 'mDIXON_W', 'mDIXON_IP',
];

/** Names sites give series (research protocols, BIDS-like conversions, derived series). */
export const SITE = [
  'DWI', 'DTI', 'ADC', 'T1', 'T2', 'T1 post', 'T1+C', 'T1 pre', 'T1c', 'T2W', 'T1W', 'PD', 'FLAIR', 'SWI', 'MPRAGE', '3D T1', '3D FLAIR',
  'AX T1 POST GAD', 'SAG T1 3D', 'COR T2 STIR', 'AX DWI b0 b1000', 'AX DWI B1000', 'DWI b0 500 1000 SE 2', 'DWI b1000 SE 2', 'SE 2',
  'T2 SE 3', 'Series 4', 'AX T2 SE 4mm', 'T2 AX 5mm', 'T1 1.5T', 'T2 3T', 'FLAIR 3T', 'T2 FLAIR 3D', 'EP2D 1000X', 'TR1000 TE80',
  'TR2000 TE30', 'TE80', 'TE 100', 'TI 2500', 'NEX2', 'ETL16', 'FOV240', 'FOV 230', 'FA10', 'FA 90', 'matrix 256x256', '320x320',
  '512x512', 'iso1mm', 'iso 0.8mm', '2mm iso', '0.7mm', 'run-01_bold', 'task-rest_bold', 'sub-01_T1w', 'dwi_AP', 'dwi_PA',
  'fmap_magnitude1', 'fmap_phasediff', 'b0_AP', 'SBRef', 'rfMRI_REST_AP', 'tfMRI_WM_LR', 'T1w_MPR', 'T2w_SPC', 'dMRI_dir98_AP',
  'dMRI_dir99_PA', 'BIAS_32CH', 'BIAS_BC', 'MB4 b1000', 'HB2 b2000', 'PLD 1800', 'LD 1800', 'b3000', 'b1500 DWI', 'DWI 50 800',
  'Mag', 'Phase', 'MIP', 'Perfusion', 'rCBV', 'MTT', 'TTP', 'Tmax', 'CBF', 'K-trans', 'DCE', 'DSC', 'GRE 2D', 'GRE 3D',
];

export const SERIES_DESCRIPTIONS: readonly string[] = [...SIEMENS, ...GE, ...PHILIPS, ...SITE];
