/** The local venue simulator: public API. */
export { startSimulator, type Simulator, type SimulatorOptions, type SimulatorStats } from "./simulator";
export { attackSchema, GARBAGE_MODES, type Attack, type AttackInput, type GarbageMode } from "./attacks";
export { OUTAGE_KINDS, type OutageKind } from "./faults";
export { PriceModel, WEATHER_VARIABLES, type PriceModelOptions, type VenueQuote, type WeatherVariable } from "./price-model";
export { loadScenario, parseScenario, ScenarioError, type Scenario } from "./scenario";
export { CRYPTO_VENUE_IDS, DATA_API_IDS, SIMULATED_SOURCE_IDS, VENUE_PROFILES, type SimulatedSourceId } from "./venue-profiles";
export { venueSymbol, krakenPairKey, bitfinexSymbol, parseVenueSymbol } from "./symbols";
export { ASSETS } from "./assets";
