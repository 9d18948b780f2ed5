// The reprinted ticket prints itself once drawn (fonts and QR code included).
window.addEventListener("load", () => window.print());
